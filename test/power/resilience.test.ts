// The crash policy (constants in firmware/power/resilience.ts) runs inside PowerSupervisor: driven here through
// it, booted at time 0 so that times are seconds since boot. The history is stored in the real state area
// (firmware/log/state.ts) over NOR flash: writes only clear bits, every commit is a STATE record.
import { describe, expect, it } from "vitest";
import {
  CRASH_LIMIT, ERROR_BURST, ERROR_REFILL_SECONDS, RESET_LOCKUP, RESET_PIN, RESET_POWER_ON, RESET_SOFTWARE,
  RESET_UNKNOWN, RESET_WAKE, RESET_WATCHDOG, SAFE_EXIT_SECONDS, STABLE_SECONDS, resetReasonFromRegister,
} from "../../firmware/power/resilience.js";
import { PowerSupervisor, REC_ERROR, REC_SAFE_MODE } from "../../firmware/power/supervisor.js";
import { StateArea } from "../../firmware/log/state.js";
import { installCrc, makeFlash } from "../log/helpers.js";

installCrc();

/** The state area's two pages on NOR flash (256-byte pages: 16 records each, so page changes come often);
 *  every boot mounts it again from flash, as the cap does. `commits` counts the state records written. */
class FlashFile {
  readonly flash = makeFlash(256, 2);
  commits = 0;
  area(): StateArea {
    const a = new StateArea(this.flash.store, 0);
    a.mount();
    const commit = a.commit.bind(a);
    a.commit = () => {
      commit();
      this.commits++;
    };
    return a;
  }
  /** The stored state as the next boot finds it. */
  stored(): { bootCount: number; crashes: number; flags: number; serial: number } {
    const a = new StateArea(this.flash.store, 0);
    a.mount();
    return { bootCount: a.bootCount, crashes: a.crashes, flags: a.flags, serial: a.serial };
  }
}

/** A supervisor on the state area with inert hardware; `records` collects what it logs. */
function resilience(f: FlashFile) {
  const records: Array<[number, number, number]> = [];
  const hw = { kick() {}, takeErrorFlags: () => [] as string[], batteryVolts: () => NaN };
  const sup = new PowerSupervisor(hw, f.area(), (t, a, b) => { records.push([t, a, b]); }, () => {});
  return { sup, records };
}

function bootOnce(f: FlashFile, reason: number) {
  return resilience(f).sup.boot(reason, 0);
}

/** An uncaught exception at `t`: did it just tip the cap into safe mode (a SAFE_MODE record)? */
function crash(r: ReturnType<typeof resilience>, t: number): boolean {
  const n = r.records.length;
  r.sup.onUncaught(1, 1, t);
  return r.records.slice(n).some((x) => x[0] === REC_SAFE_MODE);
}

/** The health tick at `t`: did it end safe mode? */
function tick(r: ReturnType<typeof resilience>, t: number): boolean {
  const was = r.sup.safeMode;
  r.sup.healthTick(t);
  return was && !r.sup.safeMode;
}

describe("reset reason from POWER.RESETREAS", () => {
  it.each([
    [0, RESET_POWER_ON], [0x1, RESET_PIN], [0x2, RESET_WATCHDOG], [0x4, RESET_SOFTWARE], [0x8, RESET_LOCKUP],
    [0x10000, RESET_WAKE], [0x100000, RESET_WAKE], [0x3, RESET_WATCHDOG], [0xc, RESET_LOCKUP], [0x5, RESET_SOFTWARE],
  ])("0x%s -> %d", (reg, code) => {
    expect(resetReasonFromRegister(reg)).toBe(code);
  });
});

describe("crash history in the state area", () => {
  it("a blank area: the first boot counts 1 and stores it as one state record", () => {
    const f = new FlashFile();
    const b = bootOnce(f, RESET_POWER_ON);
    expect(b).toEqual({ resetReason: 0, bootCount: 1, crashes: 0, safeMode: false });
    expect(f.commits).toBe(1);
    expect(f.stored()).toEqual({ bootCount: 1, crashes: 0, flags: 0, serial: 1 });
  });
  it("foreign data in the area is not taken for a state", () => {
    const f = new FlashFile();
    f.flash.nor.writeWords(f.flash.nor.baseAddress, new Uint8Array(512).fill(0x5a));
    expect(bootOnce(f, RESET_UNKNOWN).bootCount).toBe(1);
    expect(bootOnce(f, RESET_UNKNOWN).bootCount).toBe(2);
  });
  it("counts boots across page changes and wraps the u16 boot counter", () => {
    const f = new FlashFile();
    for (let i = 1; i <= 200; i++) expect(bootOnce(f, RESET_PIN).bootCount).toBe(i);
    expect(f.commits).toBe(200); // one record per boot
    expect(f.flash.nor.erases).toBeGreaterThan(5); // 16 records a page: the pages took turns
    expect(f.stored().bootCount).toBe(200);
    const a = f.area();
    a.bootCount = 0xffff;
    a.commit();
    expect(bootOnce(f, RESET_PIN).bootCount).toBe(0);
  });
});

describe("crash counting and safe mode", () => {
  it.each([
    // resets in order -> safe mode at the last boot?
    [[RESET_WATCHDOG, RESET_WATCHDOG], false],
    [[RESET_WATCHDOG, RESET_LOCKUP, RESET_SOFTWARE], true],
    [[RESET_WATCHDOG, RESET_PIN, RESET_WATCHDOG, RESET_POWER_ON, RESET_WATCHDOG], true], // normal boots do not reset the count
    [[RESET_POWER_ON, RESET_PIN, RESET_WAKE, RESET_UNKNOWN], false],
  ])("boots %j -> safe %s", (resets, safe) => {
    const f = new FlashFile();
    let last = { safeMode: false, crashes: 0 };
    for (const r of resets) last = bootOnce(f, r);
    expect(last.safeMode).toBe(safe);
  });

  it("a stable run between crashes resets the count; a short run does not", () => {
    const f = new FlashFile();
    let r = resilience(f);
    r.sup.boot(RESET_WATCHDOG, 0);
    tick(r, STABLE_SECONDS - 1);
    r = resilience(f);
    expect(r.sup.boot(RESET_WATCHDOG, 0).crashes).toBe(2);
    tick(r, STABLE_SECONDS); // stable: the count is forgotten in flash
    expect(f.stored().crashes).toBe(0);
    r = resilience(f);
    const b = r.sup.boot(RESET_WATCHDOG, 0);
    expect(b.crashes).toBe(1);
    expect(b.safeMode).toBe(false);
  });

  it("no stable marker is written when there is nothing to forget", () => {
    const f = new FlashFile();
    const r = resilience(f);
    r.sup.boot(RESET_POWER_ON, 0);
    const before = f.commits;
    tick(r, STABLE_SECONDS * 10);
    expect(f.commits).toBe(before);
  });

  it("uncaught exceptions count too, tip into safe mode live, and are capped per run", () => {
    const f = new FlashFile();
    const r = resilience(f);
    r.sup.boot(RESET_POWER_ON, 0);
    const tipped: boolean[] = [];
    for (let i = 0; i < 10; i++) tipped.push(crash(r, 100 + i));
    expect(tipped.indexOf(true)).toBe(CRASH_LIMIT - 1);
    expect(tipped.filter((x) => x).length).toBe(1);
    expect(r.sup.safeMode).toBe(true);
    expect(f.commits).toBe(1 + CRASH_LIMIT); // boot + 3 crashes, not 10
    expect(f.stored()).toMatchObject({ crashes: CRASH_LIMIT, flags: 1 });
    // the next boot (normal power-on) is still in safe mode
    expect(bootOnce(f, RESET_POWER_ON).safeMode).toBe(true);
  });

  it("a crash loop ends in safe mode; safe mode ends after a quiet period and survives reboots until then", () => {
    const f = new FlashFile();
    for (let i = 0; i < CRASH_LIMIT; i++) bootOnce(f, RESET_WATCHDOG);
    let r = resilience(f);
    let b = r.sup.boot(RESET_PIN, 0);
    expect(b.safeMode).toBe(true);
    expect(b.crashes).toBe(CRASH_LIMIT);
    expect(tick(r, STABLE_SECONDS)).toBe(false); // the normal stable period does not end safe mode
    expect(tick(r, SAFE_EXIT_SECONDS - 1)).toBe(false);
    expect(tick(r, SAFE_EXIT_SECONDS)).toBe(true);
    expect(r.sup.safeMode).toBe(false);
    expect(f.stored()).toMatchObject({ crashes: 0, flags: 0 });
    r = resilience(f);
    b = r.sup.boot(RESET_POWER_ON, 0);
    expect(b).toMatchObject({ safeMode: false, crashes: 0 });
  });

  it("the quiet period restarts at a crash in safe mode", () => {
    const f = new FlashFile();
    for (let i = 0; i < CRASH_LIMIT; i++) bootOnce(f, RESET_WATCHDOG);
    const r = resilience(f);
    r.sup.boot(RESET_WATCHDOG, 0);
    crash(r, 1000);
    expect(tick(r, SAFE_EXIT_SECONDS)).toBe(false);
    expect(tick(r, SAFE_EXIT_SECONDS + 1000)).toBe(true);
  });

  it("a deliberate reboot is not counted as a crash", () => {
    const f = new FlashFile();
    const r = resilience(f);
    r.sup.boot(RESET_WATCHDOG, 0);
    r.sup.beforeReboot();
    expect(bootOnce(f, RESET_SOFTWARE).crashes).toBe(1);
  });
});

describe("ERROR record rate limit", () => {
  it("allows a burst, then one per refill period", () => {
    const r = resilience(new FlashFile());
    r.sup.boot(RESET_POWER_ON, 0);
    /** One uncaught exception at `t`: was an ERROR record written? */
    const allow = (t: number): boolean => {
      const n = r.records.length;
      r.sup.onUncaught(0x21, 2, t);
      return r.records.slice(n).some((x) => x[0] === REC_ERROR);
    };
    let allowed = 0;
    for (let i = 0; i < 100; i++) if (allow(10)) allowed++;
    expect(allowed).toBe(ERROR_BURST);
    expect(allow(ERROR_REFILL_SECONDS - 1)).toBe(false);
    expect(allow(ERROR_REFILL_SECONDS)).toBe(true);
    expect(allow(ERROR_REFILL_SECONDS)).toBe(false);
    // a long quiet time refills up to the burst only
    let later = 0;
    for (let i = 0; i < 100; i++) if (allow(1e6)) later++;
    expect(later).toBe(ERROR_BURST);
  });
});
