// Runs firmware/hw/ble.ts's startBle() on the interpreter's host build (no radio) against a stub NRF that
// records calls: the adapter's wiring code parses and runs, and a RACP write reaches the engine.
import { memLog } from "./mem-log";
import { startBle } from "../../../firmware/hw/ble";
import { NORMAL_PLAN } from "../../../firmware/power/plan";
import { UPD_RECORD } from "../../../firmware/ble/engine";
import { decodeConfig } from "../../../firmware/config/config";

const handlers: { [k: string]: (x: any) => void } = {};
let services: any;
const sent: string[] = [];
const stub = {
  setServices: function (s: any, o: any) { services = s; console.log("setServices uart=" + o.uart); },
  updateServices: function (u: any) {
    for (const s in u) for (const c in u[s]) {
      const v = u[s][c];
      if (v.notify || v.indicate) sent.push((v.indicate ? "I " : "N ") + c.substr(4, 4) + " " + v.value.length);
    }
  },
  setAdvertising: function (d: any, o: any) { console.log("adv " + d.length + " bytes @" + o.interval + "ms"); },
  setScanResponse: function (d: any) { console.log("scanrsp " + d.length + " bytes"); },
  setSecurity: function (o: any) { console.log("security pair=" + o.pair + " mitm=" + o.mitm + " bond=" + o.bond); },
  getSecurityStatus: function () { return { connected: true, encrypted: true, bonded: true, mitm_protected: true }; },
  on: function (e: string, cb: (x: any) => void) { handlers[e] = cb; },
  setTxPower: function (dbm: number) { console.log("tx " + dbm + " dBm"); },
  setConnectionInterval: function (ms: any) { console.log("conn interval " + (typeof ms === "object" ? ms.minInterval + "-" + ms.maxInterval : ms) + " ms"); },
  disconnect: function () {},
};
(globalThis as any).NRF = stub;

const log = memLog();
for (let i = 0; i < 7; i++) log.append(1, 0x10, 1764000000 + i, 5, 0xff16);

const h = startBle({ log: log, serial: "PC-0001", firmware: "0.1.0", model: "PenCap-1", passkey: "123456", powerOnReset: true, plan: NORMAL_PLAN, perTick: 2, tickMs: 30 });
const svc = services["bd635a9b-a865-4781-94c2-0cef8c1bf40b"];
console.log("chars " + Object.keys(svc).length + " racp desc=" + svc["bd630002-a865-4781-94c2-0cef8c1bf40b"].description);
handlers["connect"]("aa:bb");
h.engine.racp.mtu = 53; // as after the app's RACP 0xA2 with size 50 (2v29 emits no "mtu" event as a peripheral)
svc["bd630002-a865-4781-94c2-0cef8c1bf40b"].onWrite({ data: new Uint8Array([1, 1]).buffer });
console.log("after write: " + sent.join(","));
sent.splice(0, sent.length);
h.engine.racp.pump(); // the pacing timer would do this; budget is still spent until it refills
console.log("pump without tick: " + sent.length);
handlers["disconnect"]("x");
h.update(UPD_RECORD, 0);
console.log("done " + decodeConfig(h.engine.cfg).capLeftOffS);
// Espruino: clearInterval() without an argument stops every timer (timeouts too), so the interpreter can exit.
(globalThis as any).clearInterval();
