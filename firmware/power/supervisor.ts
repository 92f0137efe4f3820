// PowerSupervisor: the one object main.ts wires, and the whole power policy: the battery monitor, the health
// check that kicks the watchdog, the crash history with safe mode and the ERROR record rate limit. It writes
// the BOOT / SAFE_MODE / ERROR / BATTERY_LOW records through a callback and tells main which plan (normal or
// safe) to run. Hardware comes in through PowerHardware and HistoryStore (firmware/hw/watchdog.ts +
// NRF.getBattery), so this file stays pure and testable in Node.
//
// Why one class: the battery monitor (battery.ts) and the crash policy (resilience.ts) were classes of their
// own that this one delegated to. On Espruino each class costs its prototype object and names (~8 variables),
// each method ~4 plus one per parameter, each object and field more; folded here, the same rules cost ~60
// variables less. The rules are unchanged and stay in their sections below; the thresholds and the history
// file format are still in battery.ts, plan.ts and resilience.ts (docs/power.md).
import { LOW_CLEAR_MV, LOW_SAMPLES, LOW_SET_MV, MIN_ERASE_MV, SOC_CURVE, type BatteryStatus } from "./battery";
import { HEARTBEAT_MAX_SILENCE_SECONDS, NORMAL_PLAN, WATCHDOG_TIMEOUT_SECONDS, safePlan, type PowerPlan } from "./plan";
import {
  CRASH_LIMIT, ENTRY_BOOT, ENTRY_CRASH, ENTRY_SAFE_EXIT, ENTRY_STABLE, ERROR_BURST, ERROR_REFILL_SECONDS,
  RESET_LOCKUP, RESET_SOFTWARE, RESET_WATCHDOG, SAFE_EXIT_SECONDS, STABLE_SECONDS, type BootInfo, type HistoryStore,
} from "./resilience";

/** Record types from docs/architecture.md (the dose record table). */
export const REC_BOOT = 0x07;
export const REC_BATTERY_LOW = 0x08;
export const REC_ERROR = 0x0a;
export const REC_SAFE_MODE = 0x0d;

export interface PowerHardware {
  /** Kicks the watchdog; with startSeconds > 0 (once, at boot) first starts it in manual mode with that
   *  timeout. One method for both: each costs RAM on the device. */
  kick(startSeconds: number): void;
  takeErrorFlags(): string[];
  /** NRF.getBattery() in volts; NaN where there is none (host build). */
  batteryVolts(): number;
}

/** Appends one record (flags 0, time = now) to the dose log. May throw (a LogError): the supervisor
 *  catches it, because it runs inside the crash handler too. */
export type RecordSink = (type: number, a: number, b: number) => void;

export class PowerSupervisor implements BatteryStatus {
  private readonly hw: PowerHardware;
  private readonly store: HistoryStore;
  private readonly sink: RecordSink;
  private readonly onPlan: (plan: PowerPlan, safeMode: boolean) => void;
  plan: PowerPlan = NORMAL_PLAN;
  /** Records that could not be written (log full/failing); kept as a count, never as a growing list. */
  lostRecords = 0;

  // Battery (BatteryStatus, thresholds in battery.ts): the last reading, and the count of consecutive low ones.
  millivolts = 0;
  percent = 0xff;
  low = false;
  becameLow = false;
  /** Whether a flash page erase may start now (the last battery reading; true before any reading). */
  eraseAllowed = true;
  private below = 0;

  // Health check (watchdog policy below): a heartbeat since the last check, the time of the last progress,
  // and whether a fatal error flag stopped the kicks for good.
  private beat = false;
  private lastProgress = 0;
  private failed = false;
  private booted = false;
  private bootTime = 0;

  // Crash history (resilience.ts; stored in the state area, docs/log-format.md): read by main and tests.
  bootCount = 0;   // boots recorded since the state area was new (u16 in the BOOT record)
  crashes = 0;     // crashes since the last stable run
  safeMode = false;
  /** Crash history changes that could not be stored (a weak battery at a state page change, a failing write). */
  historyFailures = 0;
  private crashEntries = 0; // CRASH entries written in this run
  private lastCrashAt = 0;  // uptime (s) of the last crash
  private tokens = ERROR_BURST; // ERROR record token bucket over uptime seconds
  private lastRefill = 0;

  constructor(hw: PowerHardware, store: HistoryStore, sink: RecordSink, onPlan: (plan: PowerPlan, safeMode: boolean) => void) {
    this.hw = hw;
    this.store = store;
    this.sink = sink;
    this.onPlan = onPlan;
  }

  /** Once, after the log and the state area are mounted, with the decoded reset reason: counts the boot in
   *  the crash history (one state record), records BOOT (and SAFE_MODE), applies the plan, starts the watchdog. */
  boot(resetReason: number, now: number): BootInfo {
    this.bootTime = now;
    // The stored state (zeros on a new state area: boot count 0, no crashes, normal mode).
    const h = this.store;
    this.bootCount = h.bootCount & 0xffff;
    this.crashes = h.crashes > 250 ? 250 : h.crashes;
    this.safeMode = (h.flags & 1) === 1;
    this.entry(ENTRY_BOOT | (resetReason & 0x0f), true);
    this.record(REC_BOOT, resetReason, this.bootCount & 0xffff);
    if (this.safeMode) this.record(REC_SAFE_MODE, Math.min(this.crashes, 0xffff), 0);
    this.plan = this.safeMode ? safePlan() : NORMAL_PLAN;
    this.onPlan(this.plan, this.safeMode);
    this.beat = false; // heartbeats before boot are not progress
    this.lastProgress = now;
    this.booted = true;
    this.hw.kick(WATCHDOG_TIMEOUT_SECONDS);
    return { resetReason: resetReason, bootCount: this.bootCount, crashes: this.crashes, safeMode: this.safeMode };
  }

  /** Main logic: call after each handled event and at the end of each periodic tick. */
  heartbeat(): void {
    this.beat = true;
  }

  /** The health-check timer (every plan.healthCheckSeconds): kicks the watchdog only on progress, moves the
   *  crash history on (stable marker, safe-mode exit).
   *  Watchdog policy: the watchdog (E.enableWatchdog(timeout, false)) is kicked only here, and only while the
   *  main logic shows progress. A hung interpreter never runs this (the watchdog fires after its timeout); a
   *  main logic that stopped progressing (its watch or timer gone, a state machine stuck) stops the heartbeat
   *  and the kicks stop after HEARTBEAT_MAX_SILENCE_SECONDS. */
  healthTick(now: number): void {
    if (!this.booted) return;
    // Espruino error flags (E.getErrorFlags) after which the interpreter cannot be trusted: MEMORY (an
    // allocation failed: state may be half-built) and CALLBACK (a setWatch/setInterval was removed, so a part
    // of the main logic is gone). FIFO_FULL, BUFFER_FULL, LOW_MEMORY, UART_OVERFLOW are survivable. Once it
    // has said no because of a fatal flag it stays no: the watchdog must reset the cap.
    const flags = this.hw.takeErrorFlags();
    for (let i = 0; i < flags.length; i++) {
      if (flags[i] === "MEMORY" || flags[i] === "CALLBACK") this.failed = true;
    }
    if (this.beat) {
      this.beat = false;
      this.lastProgress = now;
    }
    if (!this.failed && now - this.lastProgress <= HEARTBEAT_MAX_SILENCE_SECONDS) this.hw.kick(0);
    // The stable marker once the run has gone STABLE_SECONDS without a crash (only if there is a count to
    // forget); safe mode ends after SAFE_EXIT_SECONDS without a crash.
    const quiet = now - this.bootTime - this.lastCrashAt;
    if (this.safeMode) {
      if (quiet >= SAFE_EXIT_SECONDS) {
        this.entry(ENTRY_SAFE_EXIT, true);
        this.plan = NORMAL_PLAN;
        this.onPlan(NORMAL_PLAN, false);
      }
    } else if (this.crashes > 0 && quiet >= STABLE_SECONDS) {
      this.entry(ENTRY_STABLE, true);
    }
  }

  /** The clock was set (Device Time write): delta = new - old seconds. The health check and the crash
   *  history measure elapsed time, which a clock change must not fake (a jump forward would look like a
   *  stalled main loop and stop the watchdog kicks). */
  timeShift(delta: number): void {
    this.bootTime += delta;
    this.lastProgress += delta; // the silence stays measured in the old clock's terms
  }

  /** From the housekeeping tick (plan.tickSeconds): reads the battery into the BatteryStatus fields (the
   *  supervisor itself is returned), records BATTERY_LOW once per low episode. */
  batteryTick(): BatteryStatus {
    const volts = this.hw.batteryVolts();
    this.becameLow = false;
    if (!(volts === volts)) {
      this.eraseAllowed = true; // unknown voltage (NaN: host build without a battery)
      return this;
    }
    const mv = Math.round(volts * 1000);
    this.millivolts = mv;
    // State of charge: 0..100 along SOC_CURVE, in whole millivolts with integer rounding (battery.ts says why).
    if (mv <= SOC_CURVE[0]) this.percent = 0;
    else {
      const n = SOC_CURVE.length;
      this.percent = 100;
      for (let i = 2; i < n; i += 2) {
        const v1 = SOC_CURVE[i];
        if (mv <= v1) {
          const v0 = SOC_CURVE[i - 2];
          const p0 = SOC_CURVE[i - 1];
          const dv = v1 - v0;
          // round half up, all integers
          this.percent = p0 + Math.floor(((mv - v0) * (SOC_CURVE[i + 1] - p0) * 2 + dv) / (2 * dv));
          break;
        }
      }
    }
    this.eraseAllowed = mv >= MIN_ERASE_MV;
    // Low after LOW_SAMPLES consecutive readings at or below LOW_SET_MV, cleared at LOW_CLEAR_MV (hysteresis).
    if (this.low) {
      if (mv >= LOW_CLEAR_MV) {
        this.low = false;
        this.below = 0;
      }
    } else if (mv <= LOW_SET_MV) {
      this.below++;
      if (this.below >= LOW_SAMPLES) {
        this.low = true;
        this.becameLow = true;
        this.record(REC_BATTERY_LOW, mv, this.percent === 0xff ? 0 : this.percent);
      }
    } else {
      this.below = 0;
    }
    return this;
  }

  /** process.on('uncaughtException') handler body: one ERROR record (rate-limited), crash counted, safe
   *  mode entered live when this was one crash too many. The cap then carries on. */
  onUncaught(code: number, place: number, now: number): void {
    const uptime = now - this.bootTime;
    // ERROR records: a token bucket (ERROR_BURST, one more per ERROR_REFILL_SECONDS), so an exception in a
    // frequent callback cannot push dose records out of the ring log.
    const refill = Math.floor((uptime - this.lastRefill) / ERROR_REFILL_SECONDS);
    if (refill > 0) {
      this.tokens = Math.min(ERROR_BURST, this.tokens + refill);
      this.lastRefill += refill * ERROR_REFILL_SECONDS;
    }
    if (this.tokens > 0) {
      this.tokens--;
      this.record(REC_ERROR, code & 0xffff, place & 0xffff);
    }
    const was = this.safeMode;
    this.lastCrashAt = uptime;
    // at most CRASH_LIMIT entries per run: enough to reach safe mode, no flash wear in an exception storm
    const write = this.crashEntries < CRASH_LIMIT;
    if (write) this.crashEntries++;
    this.entry(ENTRY_CRASH, write);
    if (!was && this.safeMode) {
      this.record(REC_SAFE_MODE, Math.min(this.crashes, 0xffff), 0);
      this.plan = safePlan();
      this.onPlan(this.plan, true);
    }
  }

  /** Before a deliberate E.reboot(), so the software reset that follows is not counted as a crash. */
  beforeReboot(): void {
    this.entry(ENTRY_STABLE, true);
  }

  /** Applies one crash-history event to the state; with write, then stores the new state (one state record).
   *  A store that fails is counted, never thrown: the crash policy must carry on inside the crash handler. */
  private entry(e: number, write: boolean): void {
    const kind = e & 0xf0;
    if (kind === ENTRY_BOOT) {
      this.bootCount = (this.bootCount + 1) & 0xffff;
      const reason = e & 0x0f;
      // a boot after a watchdog, lockup or software reset is a crash
      if (reason === RESET_WATCHDOG || reason === RESET_LOCKUP || reason === RESET_SOFTWARE) this.crashes++;
    } else if (kind === ENTRY_CRASH) {
      this.crashes++;
    } else if (kind === ENTRY_STABLE) {
      this.crashes = 0;
    } else if (kind === ENTRY_SAFE_EXIT) {
      this.crashes = 0;
      this.safeMode = false;
    }
    if (this.crashes > 250) this.crashes = 250;
    if (this.crashes >= CRASH_LIMIT) this.safeMode = true;
    if (write) {
      const h = this.store;
      h.bootCount = this.bootCount;
      h.crashes = this.crashes;
      h.flags = this.safeMode ? (h.flags | 1) : (h.flags & ~1);
      try {
        h.commit();
      } catch (x) {
        this.historyFailures++;
      }
    }
  }

  private record(type: number, a: number, b: number): void {
    try {
      this.sink(type, a, b);
    } catch (e) {
      this.lostRecords++;
    }
  }
}
