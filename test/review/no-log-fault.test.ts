// Review: a cap whose interpreter leaves no flash region for the log (a stock 2v29 MDBT42Q build: 0 free pages,
// fewer than the 5 the log region needs; there is no Storage-file log: docs/log-format.md "Decision").
// Before, it printed "pencap: FATAL" on a console nobody reads and never started BLE. It now keeps its log and
// state in RAM until the next reset, starts BLE with Status alert bit 4 ("no flash log") so the app can say
// why, and shows the fault pattern (docs/detection.md, "A cap that cannot record"). It never writes Storage.
// A boot that fails anywhere else shows the fault pattern too, keeps BLE up and never loops on the watchdog.
import { beforeAll, describe, expect, it } from "vitest";
import { SimDevice } from "../../sim/device.js";
import { EspruinoStorage } from "../../sim/storage.js";
import { Cap, capLog, firmwareBundle, TYPE } from "../e2e/harness.js";
interface PinEvent {
  t: number;
  pin: string;
  on: boolean;
}
function pinEvents(d: SimDevice): PinEvent[] {
  const ev: PinEvent[] = [];
  d.onActivity((t, a) => {
    if (a.kind === "pin") ev.push({ t, pin: a.pin, on: a.on });
  });
  return ev;
}
const ons = (ev: PinEvent[], pin: string) => ev.filter((e) => e.pin === pin && e.on);

describe("review: a cap with no dose log shows that it is not recording", () => {
  let bundle: string;
  beforeAll(async () => {
    bundle = await firmwareBundle();
  });

  it("no free flash pages: records in RAM, BLE up with the no-flash-log bit, the fault pattern now and every minute", async () => {
    const cap = new Cap(bundle, { freePages: 0 });
    const d = cap.device;
    const ev = pinEvents(d);
    cap.run(5);
    const out = d.output.map((l) => l.text).join("\n");
    expect(out).toMatch(/pencap: no flash region for the log/);
    expect(out).toMatch(/pencap: boot on PENCAP/); // the harness's cap, given a stock interpreter's 0 free pages
    expect(out).not.toMatch(/FATAL/);
    // LED2 is the cap's red LED (D2): 8 fast red flashes with 8 beeps at once (the first one began during the
    // boot, before this listener: counted by its end)
    const offs = (pin: string) => ev.filter((e) => e.pin === pin && !e.on);
    expect(offs("LED2")).toHaveLength(8);
    expect(offs("BUZZER")).toHaveLength(8);
    // 50 ms on, 100 ms off: unlike the double-dose warning (100/100) and the left-off alert (600/400). Each
    // step's timeout counts from the moment the step's callback sets it, after its own CPU time (a few ms).
    const red = ev.filter((e) => e.pin === "LED2");
    const near = (x: number, ms: number) => expect(x * 1000 - ms).toSatisfy((d: number) => d >= 0 && d < 10);
    near(red[0].t, 50);
    near(red[1].t - red[0].t, 100);
    near(red[2].t - red[1].t, 50);
    cap.run(3 * 60);
    expect(offs("LED2").length).toBe(8 * 4);
    expect(offs("BUZZER")).toHaveLength(8); // beeps only the first time
    // it still records (in RAM) and serves what it has, and tells the app why it is not a working cap
    cap.dose(20, 10);
    const s = await capLog(cap);
    expect(s.status.alertBits & 16).toBe(16);
    expect(s.records.map((r) => r.type)).toEqual([TYPE.BOOT, TYPE.DOSE]);
    expect(s.records[1].a).toBe(20);
    // no Storage write ever: Storage holds the bundle alone, and it stays valid
    const st = new EspruinoStorage(d.flash, d.board.storageAddress, d.board.storagePages);
    expect(st.list().sort()).toEqual([".bootcde", "pencap.cfg", "pencap.key"]); // as flash.sh left it
    expect(st.isValid()).toBe(true);
    // no reset loop: one boot in an hour
    cap.run(3600);
    expect(d.bootCount).toBe(1);
    expect(d.errors).toEqual([]);
  });

  it("a boot that fails (the log cannot be formatted on a weak cell): fault pattern, BLE up, no watchdog loop", async () => {
    // Foreign data in the log's first page (0x69000: below the two state pages at the top of the free area) and
    // a cell below the erase threshold: formatting the log needs an erase the firmware refuses, so boot fails.
    const probe = new SimDevice({ board: "PENCAP", seed: 1, bundle });
    const img = probe.flash.bytes.slice();
    const base = probe.board.freeAddress; // the flash image starts at the first free page
    img.fill(0x5a, 0x69000 - base, 0x69000 - base + 64);
    const cap = new Cap(bundle, { flash: img, volts: 2.3 });
    const d = cap.device;
    const ev = pinEvents(d);
    cap.run(5);
    const out = d.output.map((l) => l.text).join("\n");
    expect(out).toMatch(/pencap: FATAL ERASE_LOW_BATTERY/);
    cap.run(3600);
    expect(d.bootCount).toBe(1); // no watchdog reset loop
    expect(ev.filter((e) => e.pin === "LED2" && !e.on).length).toBeGreaterThanOrEqual(8 * 59);
    expect(d.brownOuts).toBe(0);
    // BLE is up: the app reads the log alert and the no-flash-log bit
    const s = await capLog(cap);
    expect(s.status.alertBits & (8 | 16)).toBe(8 | 16);
    // with the reason: an ERROR record with the error's number (9 ERASE_LOW_BATTERY, firmware/errors.ts)
    expect(s.records.map((r) => [r.type, r.a])).toEqual([[TYPE.ERROR, 9]]);
    // nothing was erased or written over the foreign data
    expect(d.flash.bytes[0x69000 - base]).toBe(0x5a);
  });

  it("control: a cap that opened its log plays nothing while the cap stays on", () => {
    const cap = new Cap(bundle);
    const ev = pinEvents(cap.device);
    cap.run(3 * 60 + 5);
    expect(cap.device.output.some((l) => l.text.startsWith("pencap: boot on PENCAP"))).toBe(true);
    expect(ev).toEqual([]);
  });
});

