// Boots the hw adapters on the host build (BOARD=LINUX): board profile, startDetection, the indicator
// (console on LINUX), one timer; then stops. Checks that the adapters load and run on the interpreter.
import { boardProfile } from "../../../firmware/boards/index";
import { startDetection } from "../../../firmware/hw/sensor";
import { defaultDetectConfig } from "../../../firmware/detect/config";
import { INSULIN_BASAL } from "../../../firmware/detect/codes";

var board = boardProfile(process.env.BOARD);
var det = startDetection(
  board,
  defaultDetectConfig(INSULIN_BASAL),
  {
    event: function (type, flags, t0, t1, a, b) {
      console.log("event " + type + " " + flags + " " + a + " " + b);
    },
    signal: function (code, arg) {
      console.log("signal " + code + " " + arg);
    },
    cap: function (on, t) {
      console.log("cap " + on);
    },
  },
  { markerSeq: 7, sessionLoggedAfterMarker: false, magBaseline: null, lastDoseT: -1 }
);
console.log("board " + board.name + " boot action " + det.bootAction + " cap on " + det.detector.capOn + " next " + (det.detector.nextDeadline() - (globalThis as any).getTime()).toFixed(1));
det.indicator.signal(1, 3);
try {
  boardProfile("NOPE");
} catch (e) {
  console.log("unknown board -> " + (e as any).code);
}
setTimeout(function () {
  det.stop();
  console.log("stopped");
}, 200);
