// PowerSupervisor: the one object main.ts wires. It owns the battery monitor, the health check and the
// crash/safe-mode policy, writes the BOOT / SAFE_MODE / ERROR / BATTERY_LOW records through a callback,
// and tells main which plan (normal or safe) to run. Hardware comes in through PowerHardware
// (firmware/hw/watchdog.ts + NRF.getBattery), so this file stays pure and testable in Node.
import { BatteryMonitor, type BatteryStatus } from "./battery";
import { fatalErrorFlags } from "./health";
import { HEARTBEAT_MAX_SILENCE_SECONDS, WATCHDOG_TIMEOUT_SECONDS, planFor, type PowerPlan } from "./plan";
import { Resilience, type BootInfo, type HistoryStore } from "./resilience";

/** Record types from docs/architecture.md (the dose record table). */
export const REC_BOOT = 0x07;
export const REC_BATTERY_LOW = 0x08;
export const REC_ERROR = 0x0a;
export const REC_SAFE_MODE = 0x0d;

export interface PowerHardware {
  startWatchdog(timeoutSeconds: number): void;
  kickWatchdog(): void;
  takeErrorFlags(): string[];
  /** NRF.getBattery() in volts; NaN where there is none (host build). */
  batteryVolts(): number;
}

/** Appends one record (flags 0, time = now) to the dose log. May throw (a LogError): the supervisor
 *  catches it, because it runs inside the crash handler too. */
export type RecordSink = (type: number, a: number, b: number) => void;

export class PowerSupervisor {
  readonly battery = new BatteryMonitor();
  private readonly hw: PowerHardware;
  private readonly res: Resilience;
  private readonly sink: RecordSink;
  private readonly onPlan: (plan: PowerPlan, safeMode: boolean) => void;
  // The health check (policy in ./health.ts): heartbeats counted, the count the last check saw, the time of
  // the last progress, and whether a fatal error flag stopped the kicks for good.
  private beats = 0;
  private seen = 0;
  private lastProgress = 0;
  private failed = false;
  private booted = false;
  private bootTime = 0;
  plan: PowerPlan = planFor(false);
  /** Records that could not be written (log full/failing); kept as a count, never as a growing list. */
  lostRecords = 0;

  constructor(hw: PowerHardware, store: HistoryStore, sink: RecordSink, onPlan: (plan: PowerPlan, safeMode: boolean) => void) {
    this.hw = hw;
    this.res = new Resilience(store);
    this.sink = sink;
    this.onPlan = onPlan;
  }

  /** Once, after the log is mounted: records BOOT (and SAFE_MODE), applies the plan, starts the watchdog. */
  boot(resetReason: number, now: number): BootInfo {
    this.bootTime = now;
    const b = this.res.boot(resetReason);
    this.record(REC_BOOT, b.resetReason, b.bootCount & 0xffff);
    if (b.safeMode) this.record(REC_SAFE_MODE, Math.min(b.crashes, 0xffff), 0);
    this.setPlan(b.safeMode);
    this.beats = 0;
    this.seen = 0;
    this.lastProgress = now;
    this.booted = true;
    this.hw.startWatchdog(WATCHDOG_TIMEOUT_SECONDS);
    this.hw.kickWatchdog();
    return b;
  }

  get safeMode(): boolean {
    return this.res.st.safeMode;
  }

  /** Main logic: call after each handled event and at the end of each periodic tick. */
  heartbeat(): void {
    this.beats = (this.beats + 1) | 0;
  }

  /** The health-check timer (every plan.healthCheckSeconds): kicks the watchdog only on progress,
   *  moves the crash history on (stable marker, safe-mode exit). */
  healthTick(now: number): void {
    if (!this.booted) return;
    // Once it has said no because of a fatal flag it stays no: the watchdog must reset the cap.
    if (fatalErrorFlags(this.hw.takeErrorFlags())) this.failed = true;
    if (this.beats !== this.seen) {
      this.seen = this.beats;
      this.lastProgress = now;
    }
    if (!this.failed && now - this.lastProgress <= HEARTBEAT_MAX_SILENCE_SECONDS) this.hw.kickWatchdog();
    if (this.res.tick(now - this.bootTime)) this.setPlan(false);
  }

  /** The clock was set (Device Time write): delta = new - old seconds. The health check and the crash
   *  history measure elapsed time, which a clock change must not fake (a jump forward would look like a
   *  stalled main loop and stop the watchdog kicks). */
  timeShift(delta: number): void {
    this.bootTime += delta;
    this.lastProgress += delta; // the silence stays measured in the old clock's terms
  }

  /** From the housekeeping tick (plan.tickSeconds): reads the battery, records BATTERY_LOW once per low episode. */
  batteryTick(): BatteryStatus {
    const s = this.battery.update(this.hw.batteryVolts());
    if (s.becameLow) this.record(REC_BATTERY_LOW, s.millivolts, s.percent === 0xff ? 0 : s.percent);
    return s;
  }

  /** Whether a flash page erase may start now (the last battery reading; true before any reading). */
  eraseAllowed(): boolean {
    return this.battery.status.eraseAllowed;
  }

  /** process.on('uncaughtException') handler body: one ERROR record (rate-limited), crash counted, safe
   *  mode entered live when this was one crash too many. The cap then carries on. */
  onUncaught(code: number, place: number, now: number): void {
    if (this.res.allowErrorRecord(now - this.bootTime)) this.record(REC_ERROR, code & 0xffff, place & 0xffff);
    if (this.res.onCrash(now - this.bootTime)) {
      this.record(REC_SAFE_MODE, Math.min(this.res.st.crashes, 0xffff), 0);
      this.setPlan(true);
    }
  }

  /** Before a deliberate E.reboot(), so the software reset is not counted as a crash. */
  beforeReboot(): void {
    this.res.beforeDeliberateReboot();
  }

  private setPlan(safe: boolean): void {
    this.plan = planFor(safe);
    this.onPlan(this.plan, safe);
  }

  private record(type: number, a: number, b: number): void {
    try {
      this.sink(type, a, b);
    } catch (e) {
      this.lostRecords++;
    }
  }
}
