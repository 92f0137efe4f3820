// Storage compaction as 2v29's src/jsflash.c does it (jsfCompactInternal), power cuts inside it, the interpreter's
// boot-time Storage check (jsfIsStorageValid → jsfResetStorage), and brown-outs under flash operations.
import { describe, expect, it } from "vitest";
import { NorFlash, PowerCutError } from "../../sim/flash/nor.js";
import { EspruinoStorage } from "../../sim/storage.js";
import { deviceWith, outputText } from "./helpers.js";

const PAGE = 4096;
const STORAGE = 0x6c000;

function storage(seed = 1): { flash: NorFlash; st: EspruinoStorage } {
  const flash = new NorFlash({ pageSize: PAGE, pageCount: 10, baseAddress: STORAGE, seed });
  return { flash, st: new EspruinoStorage(flash, STORAGE, 10) };
}

/** A bundle-sized .bootcde at the start, then churn of a small file until the next write must compact. */
function nearlyFull(seed = 1): { flash: NorFlash; st: EspruinoStorage; boot: Uint8Array } {
  const { flash, st } = storage(seed);
  const boot = new Uint8Array(34392);
  for (let i = 0; i < boot.length; i++) boot[i] = 32 + ((i * 7) % 90);
  st.write(".bootcde", boot);
  let i = 0;
  // the session marker's pattern: a 136-byte file re-created again and again
  while (st.getFree() >= 136 + 32) st.write("pencap.ses", new Uint8Array(136).fill(i++ & 0x7f));
  return { flash, st, boot };
}

describe("Storage compaction (jsfCompactInternal order)", () => {
  it("is triggered by a create with no room, keeps every live file and its order, frees the trash", () => {
    const { flash, st, boot } = nearlyFull();
    const erases = flash.erases;
    st.write("pencap.ses", new Uint8Array(136).fill(0x55));
    expect(st.compactions).toBe(1);
    expect(st.list()).toEqual([".bootcde", "pencap.ses"]);
    expect(st.readBytes(".bootcde")).toEqual(boot);
    expect(st.readBytes("pencap.ses")).toEqual(new Uint8Array(136).fill(0x55));
    expect(st.stats().trashCount).toBe(0);
    // It started at page 0 (.bootcde begins there and the first replaced file follows it): every page with
    // data was erased and rewritten, .bootcde's included, and the rest erased.
    expect(flash.erases - erases).toBe(10);
  });

  it("with nothing replaced it does nothing and the create fails", () => {
    const { st } = storage();
    st.write("a", new Uint8Array(40000));
    expect(st.compact()).toBe(false);
    expect(() => st.write("b", new Uint8Array(2000))).toThrow(/Unable to find or create file/);
  });

  it("a power cut at each of its erases and word writes: .bootcde is lost for some, as on the device", () => {
    const probe = nearlyFull();
    const w0 = probe.flash.wordWrites;
    const e0 = probe.flash.erases;
    probe.st.write("pencap.ses", new Uint8Array(136).fill(0x55));
    const writes = probe.flash.wordWrites - w0;
    const erases = probe.flash.erases - e0;
    expect(writes).toBeGreaterThan(8000); // every live byte is written back
    const outcomes = { bootIntact: 0, bootDamaged: 0, storageCorrupt: 0, cuts: 0 };
    const plans: Array<{ kind: "wordWrite" | "erase"; at: number }> = [];
    for (let at = 1; at <= erases; at++) plans.push({ kind: "erase", at });
    // every 97th word write (the whole set runs in the exhaustive firmware test's budget only on erases)
    for (let at = 1; at <= writes; at += 97) plans.push({ kind: "wordWrite", at });
    for (const plan of plans) {
      const { flash, st, boot } = nearlyFull(plan.at);
      flash.cutPowerAt(plan);
      expect(() => st.write("pencap.ses", new Uint8Array(136).fill(0x55))).toThrow(PowerCutError);
      outcomes.cuts++;
      flash.powerOn();
      if (!st.isValid()) outcomes.storageCorrupt++;
      const b = st.readBytes(".bootcde");
      if (b && b.length === boot.length && b.every((x, i) => x === boot[i])) outcomes.bootIntact++;
      else outcomes.bootDamaged++;
    }
    expect(outcomes.cuts).toBe(plans.length);
    // The truth the firmware must design around: a cut inside compaction can destroy the firmware itself.
    expect(outcomes.bootDamaged).toBeGreaterThan(plans.length / 4);
    expect(outcomes.bootIntact).toBeGreaterThan(0);
  });
});

describe("the interpreter's Storage check at every reset", () => {
  it("accepts a healthy area, an empty one and a full one", () => {
    const { st } = storage();
    expect(st.isValid()).toBe(true);
    st.write("a", new Uint8Array(100));
    expect(st.isValid()).toBe(true);
    st.write("b", new Uint8Array(10 * PAGE - 100 - 32 - 32 - 4));
    expect(st.isValid()).toBe(true);
  });

  it("is as lenient as jsfIsBankStorageValid: garbage mid-page passes when the next page starts erased", () => {
    const { flash, st } = storage();
    st.write("a", new Uint8Array(100));
    flash.cutPowerAt({ kind: "wordWrite", at: 1 });
    expect(() => st.write("b", new Uint8Array(100))).toThrow(PowerCutError);
    flash.powerOn();
    // GNFH_GET_ALL jumps from an invalid header to the next page's start, which is erased: "valid"
    expect(st.isValid()).toBe(true);
    // garbage at a page start is not
    flash.writeWords(STORAGE + PAGE, new Uint8Array([1, 2, 3, 0x40, 0, 0, 0, 0]));
    expect(st.isValid()).toBe(false);
  });

  it("a device that boots on a corrupt Storage erases it all, the bundle with it, and runs nothing", () => {
    const d = deviceWith("print('app ran')");
    expect(outputText(d)).toContain("app ran");
    d.cutPower();
    // garbage where the header after .bootcde should be
    const st = new EspruinoStorage(d.flash, d.board.storageAddress, d.board.storagePages);
    d.flash.powerOn();
    d.flash.writeWords(d.board.storageAddress + PAGE, new Uint8Array([1, 2, 3, 0x40, 0, 0, 0, 0]));
    expect(st.isValid()).toBe(false);
    d.output.length = 0;
    d.powerOn();
    expect(outputText(d)).toEqual(expect.arrayContaining(["Storage is corrupt.", "Erasing Storage Area..."]));
    expect(outputText(d)).not.toContain("app ran");
    expect(d.storageResets).toBe(1);
    expect(st.list()).toEqual([]);
  });
});

describe("brown-out (the cell sags below 1.7 V under a flash operation)", () => {
  const code = "var f = require('Flash'); var a = f.getFree()[0].addr; setTimeout(function () { f.erasePage(a); print('erased'); }, 1000);";

  it("a healthy cell carries an erase", () => {
    const d = deviceWith(code);
    d.clock.advance(2);
    expect(outputText(d)).toContain("erased");
    expect(d.brownOuts).toBe(0);
  });

  it("a nearly empty cell browns out in the erase: the page is torn, the cap resets and starts again", () => {
    const d = deviceWith(code);
    d.battery.setStateOfCharge(0.06);
    // the CPU alone still runs: the cap boots and only the erase's extra current takes it under
    expect(d.battery.volts(3)).toBeGreaterThan(1.7);
    expect(d.battery.volts(7.5)).toBeLessThan(1.7);
    const events: string[] = [];
    d.onLifecycle((e) => events.push(e.kind === "halt" ? `halt ${e.why} ${e.detail ?? ""}` : `boot ${e.reason}`));
    d.clock.advance(2);
    expect(outputText(d)).not.toContain("erased");
    expect(d.brownOuts).toBe(1);
    expect(events[0]).toMatch(/^halt brown-out supply 1\.\d\d V under 7\.5 mA during a flash page erase/);
    d.clock.advance(1.5); // t = 3.5: started again at 2, browned out again at 3 in the same erase
    expect(events[1]).toBe("boot power-on");
    // the reset loop a firmware must avoid by not erasing on a weak cell
    expect(d.brownOuts).toBe(2);
  });
});
