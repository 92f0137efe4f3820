// startBle()'s timers on the interpreter's host build (real time, so the plan is shortened): the pacing
// interval runs only during a transfer, the idle link is dropped, a dose changes no advertising, and then
// no timer is left (the interpreter exits by itself without clearInterval()).
import { UPD_RECORD } from "../../../firmware/ble/engine";
import { memLog } from "./mem-log";
import { startBle } from "../../../firmware/hw/ble";

declare function getTime(): number;
const handlers: { [k: string]: (x: any) => void } = {};
let services: any;
let notes = 0;
const t0 = getTime();
function at(): string { return (Math.round((getTime() - t0) * 10) / 10).toFixed(1); }
const stub = {
  setServices: function (s: any, o: any) { services = s; },
  updateServices: function (u: any) {
    for (const s in u) for (const c in u[s]) if (u[s][c].notify) notes++; else if (u[s][c].indicate) console.log("indication at " + at());
  },
  setAdvertising: function (d: any, o: any) { console.log("adv @" + o.interval + "ms at " + at()); },
  setScanResponse: function (d: any) {},
  setSecurity: function (o: any) {},
  getSecurityStatus: function () { return { connected: true, encrypted: true, bonded: true, mitm_protected: true }; },
  setTxPower: function (dbm: number) {},
  setConnectionInterval: function (ms: number) {},
  on: function (e: string, cb: (x: any) => void) { handlers[e] = cb; },
  disconnect: function () {
    console.log("disconnect at " + at() + " after " + notes + " notifications");
    handlers["disconnect"](22);
    log.append(1, 0x10, 1764000100, 6, 0xff16); // a dose right after: no fast advertising (docs/protocol.md 4)
    ble.update(UPD_RECORD, 0);
  },
};
(globalThis as any).NRF = stub;

const log = memLog();
for (let i = 0; i < 10; i++) log.append(1, 0x10, 1764000000 + i, 5, 0xff16);

const plan = { slowAdvertisingMs: 1022.5, fastAdvertisingMs: 211.25, txPowerDbm: 0, idleDisconnectSeconds: 1, syncConnectionIntervalMs: 30 };
const ble = startBle({ log: log, serial: "PC-0001", firmware: "0.1.0", model: "PenCap-1", passkey: "", powerOnReset: false, plan: plan, tickMs: 50 });
handlers["connect"]("aa:bb");
services["bd635a9b-a865-4781-94c2-0cef8c1bf40b"]["bd630002-a865-4781-94c2-0cef8c1bf40b"].onWrite({ data: new Uint8Array([1, 1]).buffer });
