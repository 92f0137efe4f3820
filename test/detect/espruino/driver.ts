// Runs the trace through the pure detector with a virtual clock and prints one line per event/signal.
// Bundled with esbuild (iife) and run both on Node and on the Espruino interpreter; outputs must match.
import { CapDetector } from "../../../firmware/detect/detector";
import { defaultDetectConfig } from "../../../firmware/detect/config";
import { INSULIN_RAPID } from "../../../firmware/detect/codes";
import { EDGES, tempAt } from "./trace";

declare var print: ((s: string) => void) | undefined;
declare var E: unknown;
var out = typeof print === "function" ? print : function (s: string) { console.log(s); };

var now = 0;
var hasMem = typeof process !== "undefined" && !!(process as any).memory && typeof E !== "undefined";
var before = hasMem ? (process as any).memory().usage : 0;
function f3(x: number): string {
  return (Math.round(x * 1000) / 1000).toFixed(3);
}
var det = new CapDetector(
  defaultDetectConfig(INSULIN_RAPID),
  {
    event: function (type, flags, t0, t1, a, b) {
      out("E " + type + " " + flags + " " + f3(t0) + " " + f3(t1) + " " + a + " " + b + " at " + f3(now));
    },
    signal: function (code, arg) {
      out("S " + code + " " + f3(arg) + " at " + f3(now));
    },
    cap: function (on, t) {
      out("C " + (on ? 1 : 0) + " " + f3(t));
    },
  },
  { temperature: function () { return tempAt(now); } },
  { onDelta: 2500, offDelta: 1500 }
);

function runUntil(t: number): void {
  for (;;) {
    var d = det.nextDeadline();
    if (d < 0 || d > t) break;
    if (d > now) now = d;
    det.tick(now);
  }
  if (t > now) now = t;
}

// variables the detector's own state costs (its object, machine and config; the sink's closures excluded)
var stateVars = hasMem ? (process as any).memory().usage - before : 0;
det.start(0, true, 0);
for (var i = 0; i < EDGES.length; i++) {
  runUntil(EDGES[i][0]);
  det.edge(EDGES[i][0], EDGES[i][1] === 1);
}
runUntil(115000);
// a magnetometer stretch on a second detector state: cap off 40 s, a spike, wobble at the threshold
det.bx = det.by = det.bz = 0;
var memBefore = hasMem ? (process as any).memory().usage : 0;
var memMax = 0;
for (var k = 1; k <= 400; k++) {
  var t = 115000 + k * 0.4;
  runUntil(t);
  var v = t >= 115040 && t < 115080 ? 300 : k === 300 ? 0 : k > 320 ? (k % 2 ? 2400 : 2600) : 3500;
  det.sample(t, v, 10, -20);
  if (hasMem) {
    var u = (process as any).memory().usage - memBefore;
    if (u > memMax) memMax = u;
  }
}
runUntil(116000);
// Espruino only: variables used by the whole program and by the detector object (machine included)
if (hasMem) {
  var mem = (process as any).memory();
  out("M usage " + mem.usage + " of " + mem.total + "; constructing the detector took " + stateVars + "; most extra variables during 400 samples " + memMax);
}
out("END");
