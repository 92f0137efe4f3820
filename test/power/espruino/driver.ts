// Runs the firmware/power pure modules on a fixed table and prints the results as one JSON line, so the
// same bundle can be run on the real Espruino interpreter and in Node and the outputs compared.
// Written in the firmware dialect (no Array.from, no spread, ...) because it runs on Espruino.
import { eraseAllowed } from "../../../firmware/power/battery";
import { resetReasonFromRegister, type HistoryStore } from "../../../firmware/power/resilience";
import { kickWatchdog, readResetReason, takeErrorFlags } from "../../../firmware/hw/watchdog";
import { StateArea } from "../../../firmware/log/state";
import { ramStore } from "../../../firmware/hw/ram-store";
import { PowerSupervisor } from "../../../firmware/power/supervisor";

declare const process: { env: { BOARD?: string } };
declare function print(s: string): void;

function arr(u: Uint8Array): number[] {
  const a: number[] = [];
  for (let i = 0; i < u.length; i++) a.push(u[i]);
  return a;
}

class MemStore implements HistoryStore {
  bootCount = 0;
  crashes = 0;
  flags = 0;
  commit(): void {}
}

let supply = 3.0;
const inert = {
  kick: function () {},
  takeErrorFlags: function (): string[] { return []; },
  batteryVolts: function () { return supply; },
};
/** A supervisor with inert hardware (battery: `supply`) and no log: the battery monitor and the crash policy. */
function sup(store: HistoryStore): PowerSupervisor {
  return new PowerSupervisor(inert, store, function () {}, function () {});
}

function pure(): unknown {
  const volts = [3.3, 3.0, 2.975, 2.95, 2.9, 2.875, 2.85, 2.8, 2.75, 2.7, 2.6, 2.5, 2.35, 2.2, 1.9];
  const percents: number[] = [];
  const erase: boolean[] = [];
  for (let i = 0; i < volts.length; i++) { supply = volts[i]; percents.push(sup(new MemStore()).batteryTick().percent); erase.push(eraseAllowed(volts[i])); }
  const mon = sup(new MemStore());
  const lowTrace: string[] = [];
  const vs = [2.9, 2.5, 2.49, 2.6, 2.5, 2.5, 2.45, 2.4, 2.6, 2.64, 2.65, 2.5];
  for (let i = 0; i < vs.length; i++) { supply = vs[i]; const s = mon.batteryTick(); lowTrace.push(s.millivolts + ":" + s.percent + ":" + s.low + ":" + s.becameLow); }
  // the health check (in PowerSupervisor; maxSilence 1500 s)
  let kicked = false;
  let flags: string[] = [];
  const h = new PowerSupervisor({
    kick: function () { kicked = true; },
    takeErrorFlags: function () { const f = flags; flags = []; return f; },
    batteryVolts: function () { return NaN; },
  }, new MemStore(), function () {}, function () {});
  h.boot(0, 0);
  const kicks: boolean[] = [];
  for (let t = 600; t <= 6000; t += 600) { if (t < 1500 || t > 4500) h.heartbeat(); kicked = false; h.healthTick(t); kicks.push(kicked); }
  flags = ["LOW_MEMORY", "CALLBACK"];
  kicked = false;
  h.healthTick(6500);
  kicks.push(kicked);
  const resets: number[] = [];
  const regs = [0, 1, 2, 4, 8, 0x10000, 3, 0xc];
  for (let i = 0; i < regs.length; i++) resets.push(resetReasonFromRegister(regs[i]));
  const store = new MemStore();
  const boots: string[] = [];
  const reasons = [0, 2, 2, 1, 2, 0];
  for (let i = 0; i < reasons.length; i++) {
    const r = sup(store);
    const b = r.boot(reasons[i], 0);
    boots.push(b.bootCount + ":" + b.crashes + ":" + b.safeMode);
    if (i === 4) { r.healthTick(6 * 3600); }
  }
  // 70 more: the state carried from boot to boot
  let st = sup(store).boot(1, 0);
  for (let i = 1; i < 70; i++) st = sup(store).boot(1, 0);
  return {
    percents: percents, erase: erase, lowTrace: lowTrace, kicks: kicks, resets: resets, boots: boots,
    stored: [store.bootCount, store.crashes, store.flags], st: st,
  };
}

function supervisor(): unknown {
  const store = new MemStore();
  const log: string[] = [];
  let kicks = 0;
  let volts = 3.0;
  const hw = {
    kick: function (t: number) { if (t > 0) log.push("wdt:" + t); kicks++; },
    takeErrorFlags: function (): string[] { return []; },
    batteryVolts: function () { return volts; },
  };
  const plans: string[] = [];
  for (let boot = 0; boot < 4; boot++) {
    const sup = new PowerSupervisor(hw, store, function (t, a, b) { log.push(t + ":" + a + ":" + b); },
      function (p, safe) { plans.push(safe + ":" + p.slowAdvertisingMs + ":" + p.buzzer); });
    sup.boot(boot < 3 ? 2 : 0, 0);
    for (let t = 0; t <= 3000; t += 120) { if (t < 1200) sup.heartbeat(); sup.healthTick(t); }
    volts = 2.4;
    for (let i = 0; i < 3; i++) sup.batteryTick();
    sup.onUncaught(0x21, 3, 50);
  }
  return { log: log, kicks: kicks, plans: plans };
}

print("PURE:" + JSON.stringify({ pure: pure(), supervisor: supervisor() }));

if (process.env.BOARD === "LINUX") {
  // the state area (firmware/log/state.ts) on the interpreter, with its native E.CRC32, over a RAM page store
  // of 256-byte pages (16 records a page): mounted again at every boot as the cap does
  const pages = ramStore(256, 2);
  const area = function (): StateArea {
    const a = new StateArea(pages, 0);
    a.mount();
    return a;
  };
  const out: string[] = [];
  for (let i = 0; i < 4; i++) {
    const b = sup(area()).boot(i < 3 ? 2 : 0, 0);
    out.push(b.bootCount + ":" + b.crashes + ":" + b.safeMode);
  }
  // 60 more boots: the two pages take turns (erased when full), the state carried forward
  let last = "";
  for (let i = 0; i < 60; i++) {
    const b = sup(area()).boot(0, 0);
    last = b.bootCount + ":" + b.crashes + ":" + b.safeMode;
  }
  const a = area();
  print("STORAGE:" + JSON.stringify({ boots: out, last: last, serial: a.serial, stored: [a.bootCount, a.crashes, a.flags] }));
  // the rest of the adapter runs on the host build (no watchdog hardware, no RESETREAS there)
  kickWatchdog(300);
  kickWatchdog(0);
  print("ADAPTER:" + JSON.stringify({ reset: readResetReason(), flags: takeErrorFlags() }));
}
