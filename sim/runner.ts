// Plays a validated scenario on a SimDevice running the bundle, in virtual time, and sums it up.
import { CR2032_CAPACITY_MAH } from "./battery.js";
import { DEFAULT_BOARD } from "./boards.js";
import { SimDevice, type Activity, type NrfFactory } from "./device.js";
import { formatTime, type ResolvedScenario, type ScenarioEvent } from "./scenario.js";

/** A dose the companion app holds, as the integration maps it back to scenario time. */
export interface AppDose {
  /** Scenario time (seconds) of the dose, or null when the cap's clock cannot be mapped. */
  t: number | null;
  /** The record carried the "possible priming" flag. */
  possiblePriming?: boolean;
  /** An UNCERTAIN_DOSE record: the cap could not tell whether a dose was taken (docs/detection.md). */
  uncertain?: boolean;
}

/** What the attached app knows at the end (never invented: null where it cannot know). */
export interface AppReport {
  /** DOSE records the app received. */
  doses: AppDose[];
  /** Records the cap says it wrote (e.g. newest seq + 1), or null if unknown. */
  recordsWritten: number | null;
  /** Records the app received and verified. */
  recordsSynced: number;
  /** Records missing from the sequence (gaps not explained by a DELETE), or null if unknown. */
  recordsLost: number | null;
  /** Records that failed their check, or null if unknown. */
  recordsCorrupt: number | null;
  /** Seqs the app does not hold, by class (client/store.ts gaps(): overwritten, skipped, deleted, missing, unconfirmed). */
  gaps?: Record<string, number>;
}

/**
 * The companion app as scenario events drive it. The integration implements it over the BLE part's simulated
 * central; every method returns a Promise that settles in virtual time (the runner uses clock.settle).
 */
export interface ScenarioApp {
  connect(opts: { mtu?: number; bonded?: boolean }): Promise<void>;
  /** Pulls new records; with dropAfterRecords the link is lost after that many records arrived. */
  sync(opts: { dropAfterRecords?: number }): Promise<{ records: number; note?: string }>;
  /** Writes bytes (hex) to a characteristic named in docs/protocol.md. */
  write(characteristic: string, hex: string): Promise<void>;
  /** The link drops without a clean disconnect (out of range). */
  drop(): Promise<void>;
  disconnect(): Promise<void>;
  report(): AppReport;
}

/** Builds the app for a device (called once per run). */
export type ScenarioAppFactory = (device: SimDevice) => ScenarioApp;

/** The energy model's seam: it listens to device.onActivity from attach() on. */
export interface EnergyMeter {
  attach(device: SimDevice): void;
  averageCurrentMicroamps(): number;
}

export interface TimelineEntry {
  t: number;
  kind: "event" | "console" | "pins" | "error" | "device" | "app" | "warning";
  text: string;
}

export interface Summary {
  scenario: string;
  board: string;
  simulatedDays: number;
  /** docs/scenarios.md "The summary": recorded and uncertain doses are matched to true ones by time. */
  doses: {
    true: number;
    recorded: number | null;
    uncertain: number | null;
    undated: number | null;
    missed: number | null;
    extra: number | null;
  };
  records: {
    written: number | null;
    synced: number | null;
    lost: number | null;
    corrupt: number | null;
    /** Seqs the app does not hold, by class (docs/scenarios.md "The summary"); null without an app. */
    gaps: Record<string, number> | null;
  };
  /** What the cap showed on its LEDs and buzzer, by kind (signalKind), counted from the timeline's pins lines. */
  signals: Record<string, number>;
  flash: { pages: number; maxEraseCount: number; wordWrites: number; erases: number };
  battery: { averageCurrentMicroamps: number | null; monthsOnCR2032: number | null };
  /** brownOuts: resets because the cell sagged below 1.7 V under a flash operation (sim/device.ts);
   *  storageResets: boots whose interpreter found Storage corrupt and erased it, .bootcde included. */
  boots: { count: number; reasons: Record<string, number>; brownOuts: number; storageResets: number };
  app: "attached" | "none";
  /** Exceptions that reached the event loop (handled: the firmware's uncaughtException handler got them). */
  errors: Array<{ t: number; time: string; where: string; message: string; handled: boolean }>;
  warnings: string[];
}

export interface RunOptions {
  /** The bundle's source (default: dist/firmware.js). */
  bundle?: string;
  app?: ScenarioAppFactory | null;
  nrf?: NrfFactory | null;
  energy?: EnergyMeter | null;
  /** App events without an app: "throw" (default) stops the run with a clear error; "skip" warns and goes on. */
  onMissingApp?: "throw" | "skip";
  onTimeline?: (e: TimelineEntry) => void;
  /** Called about once per simulated hour. */
  onProgress?: (t: number, duration: number) => void;
  /** File name for messages. */
  file?: string;
  /** See SimDeviceOptions.hangGuard (default on). */
  hangGuard?: boolean | number;
  /** Deprecated: see SimDeviceOptions.hangGuardMs. */
  hangGuardMs?: number;
}

export class ScenarioRunError extends Error {}

/** Seconds between cap-off and cap-on that a true injection can take when not labelled. */
const DEFAULT_INJECTION = { minSeconds: 5, maxSeconds: 600 };
/** A recorded dose matches a true one if its time is within this margin of the cap-off session. */
const MATCH_MARGIN_S = 120;

export async function runScenario(sc: ResolvedScenario, opts: RunOptions = {}): Promise<Summary> {
  const file = opts.file ?? "scenario";
  const device = new SimDevice({ board: sc.board ?? DEFAULT_BOARD, freePages: sc.freePages, seed: sc.seed ?? 1, bundle: opts.bundle, nrf: opts.nrf ?? undefined, hangGuard: opts.hangGuard, hangGuardMs: opts.hangGuardMs });
  const clock = device.clock;
  // Entries are held back briefly and released in time order: an LED burst is only reported once it is over.
  const held: TimelineEntry[] = [];
  const timeline = (kind: TimelineEntry["kind"], text: string, t = clock.now()) => {
    held.push({ t, kind, text });
  };
  const release = (upTo: number) => {
    if (!held.length) return;
    const ready = held.filter((e) => e.t <= upTo);
    if (!ready.length) return;
    const keep = held.filter((e) => e.t > upTo);
    held.length = 0;
    held.push(...keep);
    ready.sort((a, b) => a.t - b.t); // stable: same-time entries keep their order
    for (const e of ready) opts.onTimeline?.(e);
  };
  const warnings: string[] = [];
  const warn = (text: string) => {
    warnings.push(`${formatTime(clock.now())} ${text}`);
    timeline("warning", text);
  };

  // Timeline feeds: console lines, errors, boots, LED/buzzer patterns (grouped into bursts).
  device.onOutput((l) => timeline("console", l.text, l.t));
  device.onError((e) => timeline("error", `${e.handled ? "exception (to uncaughtException handler)" : "uncaught"} in ${e.where}: ${e.message}`, e.t));
  const reasons: Record<string, number> = {};
  device.onLifecycle((e) => {
    if (e.kind === "boot") {
      reasons[e.reason] = (reasons[e.reason] ?? 0) + 1;
      timeline("device", `boot #${e.bootCount} (reset reason: ${e.reason})`);
    } else if (e.why === "brown-out") timeline("device", `BROWN-OUT reset: ${e.detail ?? "supply below 1.7 V"}`);
    else timeline("device", e.why === "power-off" ? "power off" : `halt (${e.why})`);
  });
  const signals: Record<string, number> = {};
  const pins = new PinPatterns((t, text) => {
    const k = signalKind(text);
    signals[k] = (signals[k] ?? 0) + 1;
    timeline("pins", text, t);
  }, () => device.board.name);
  device.onActivity((t, a: Activity) => {
    if (a.kind === "pin") pins.add(t, a.pin, a.on);
  });
  opts.energy?.attach(device);
  const app = opts.app ? opts.app(device) : null;

  // The cap: current state and the sessions that make the true doses.
  const inj = { ...DEFAULT_INJECTION, ...(sc.injection ?? {}) };
  let capOn = sc.capOn ?? true;
  device.setCap(capOn);
  const sessions: Array<{ off: number; on: number | null; label?: string }> = [];
  let restoreTimer = 0;

  device.powerOn();

  const setCap = (on: boolean, bounces = 0, bounceMs = 0) => {
    capOn = on;
    if (!bounces) return device.setCap(on);
    // Chatter while the magnet passes the switch's threshold: alternate, end on the new state.
    const step = bounceMs / 1000 / (2 * bounces);
    for (let i = 0; i <= 2 * bounces; i++) {
      const level = i % 2 === 0 ? on : !on;
      if (i === 0) device.setCap(level);
      else clock.schedule(clock.now() + i * step, () => device.setCap(level));
    }
  };

  let skippedApp = 0;
  const needApp = (ev: ScenarioEvent & { index: number }): ScenarioApp | null => {
    if (app) return app;
    const msg = `events[${ev.index}] ${ev.type}: no companion app is attached to the simulator (the integration provides one; see sim/integration.ts)`;
    if ((opts.onMissingApp ?? "throw") === "throw") throw new ScenarioRunError(`${file}: ${msg}`);
    skippedApp++;
    timeline("warning", `skipped: ${msg}`);
    return null;
  };

  const runTo = (t: number) => {
    // In slices, for progress and for the pin-pattern grouping.
    while (clock.now() < t) {
      const next = Math.min(t, Math.floor(clock.now() / 3600 + 1) * 3600);
      clock.runUntil(next);
      pins.flush(clock.now());
      // Hold back everything from the start of a burst still playing, so its lines keep their place.
      release(Math.min(clock.now() - 2, pins.openSince()));
      opts.onProgress?.(clock.now(), sc.duration);
    }
  };

  try {
    await playEvents();
  } catch (e) {
    pins.flush(Infinity);
    release(Infinity);
    throw e;
  }
  async function playEvents(): Promise<void> {
    for (const ev of sc.events) {
      if (ev.t > clock.now()) runTo(ev.t);
      const late = clock.now() - ev.t;
      const desc = describeEvent(ev) + (late > 0.5 ? ` (late by ${late.toFixed(1)} s: the previous app event ran until then)` : "");
      timeline("event", desc);
      switch (ev.type) {
        case "capOff":
          if (!capOn) warn(`events[${ev.index}]: capOff while the cap is already off`);
          sessions.push({ off: clock.now(), on: null, label: ev.label });
          setCap(false, ev.bounces, ev.bounceMs ?? 5);
          break;
        case "capOn": {
          if (capOn) warn(`events[${ev.index}]: capOn while the cap is already on`);
          const s = sessions[sessions.length - 1];
          if (s && s.on === null) s.on = clock.now();
          setCap(true, ev.bounces, ev.bounceMs ?? 5);
          break;
        }
        case "magnet":
          device.magnet.distanceMm = ev.distanceMm;
          break;
        case "noise":
          device.magnet.noise = ev.sigma;
          break;
        case "temperature":
          device.temperature = ev.celsius;
          break;
        case "battery":
          if (ev.soc !== undefined) device.battery.setStateOfCharge(ev.soc);
          if (ev.volts !== undefined) device.battery.setVolts(ev.volts);
          if (device.battery.openCircuitVolts() < 1.7 && device.running) {
            timeline("device", "brown-out: supply below 1.7 V");
            device.cutPower();
          }
          break;
        case "batteryRemove":
          device.removeBattery();
          break;
        case "batteryInsert":
          device.insertBattery(ev.soc ?? 1);
          break;
        case "powerCut": {
          const restore = () => {
            if (ev.restoreAfter === undefined) return;
            clock.cancel(restoreTimer);
            restoreTimer = clock.schedule(clock.now() + ev.restoreAfter, () => {
              if (ev.newBattery) device.battery.insert(1);
              if (!device.running && device.battery.present) {
                timeline("device", ev.newBattery ? "fresh battery inserted" : "power restored");
                device.powerOn();
              }
            });
          };
          if (ev.atWrite !== undefined || ev.duringErase !== undefined) {
            const plan = ev.atWrite !== undefined ? { kind: "wordWrite" as const, at: ev.atWrite } : { kind: "erase" as const, at: ev.duringErase! };
            const what = ev.atWrite !== undefined ? `word write #${ev.atWrite}` : `erase #${ev.duringErase}`;
            device.cutPowerAt(plan);
            const flash = device.flash;
            // A manual power loss (powerCut, batteryRemove, brown-out) before the planned operation does not
            // cancel the plan: it stays armed and counts the flash operations of the boots after it.
            const off = device.onLifecycle((e) => {
              if (e.kind !== "halt" || e.why !== "power-off") return;
              if (device.flash !== flash) {
                off(); // a board event replaced the flash, and the plan with it (warned there)
                return;
              }
              if (flash.armed === plan) {
                timeline("device", `power off while a power cut is armed (${what}): it stays armed`);
                return;
              }
              off();
              timeline("device", `armed power cut fired (${what})`);
              restore();
            });
          } else {
            device.cutPower();
            restore();
          }
          break;
        }
        case "powerOn":
          if (!device.running) device.powerOn();
          break;
        case "reboot":
          device.reboot("pin");
          break;
        case "button": {
          const btn = device.board.pins.button;
          if (!btn) warn(`events[${ev.index}]: board ${device.board.name} has no button`);
          else {
            device.setInput(btn, true);
            clock.schedule(clock.now() + (ev.ms ?? 200) / 1000, () => device.setInput(btn, false));
          }
          break;
        }
        case "board":
          if (device.flash.armed) warn(`events[${ev.index}]: the armed power cut (${device.flash.armed.kind} #${device.flash.armed.at}) goes with the old board's flash`);
          device.cutPower();
          device.setBoard(ev.name, { freePages: ev.freePages });
          device.battery.insert(device.battery.soc);
          device.setCap(capOn);
          device.powerOn();
          break;
        case "appConnect":
        case "appSync":
        case "appWrite":
        case "appDrop":
        case "appDisconnect": {
          const a = needApp(ev);
          if (!a) break;
          try {
            if (ev.type === "appConnect") await clock.settle(a.connect({ mtu: ev.mtu, bonded: ev.bonded }));
            else if (ev.type === "appSync") {
              const r = await clock.settle(a.sync({ dropAfterRecords: ev.dropAfterRecords }));
              timeline("app", `sync: ${r.records} record(s)${r.note ? " — " + r.note : ""}`);
            } else if (ev.type === "appWrite") await clock.settle(a.write(ev.characteristic, ev.hex));
            else if (ev.type === "appDrop") await clock.settle(a.drop());
            else await clock.settle(a.disconnect());
          } catch (e) {
            timeline("app", `${ev.type} failed: ${describeFailure(e)}`);
          }
          break;
        }
        case "log":
        case "runUntil":
          break;
      }
    }
  }
  runTo(sc.duration);
  pins.flush(Infinity);
  release(Infinity);
  if (skippedApp) warnings.push(`${skippedApp} app event(s) skipped: no companion app is attached (recorded and synced counts are unknown)`);
  const armed = device.flash.armed;
  if (armed) warn(`an armed power cut (${armed.kind} #${armed.at}) never fired: the firmware did not reach that flash operation`);

  // True doses: labelled injections, or unlabelled sessions of a plausible injection length.
  const trueSessions = sessions.filter((s) => {
    if (s.label) return s.label === "injection";
    const len = (s.on ?? clock.now()) - s.off;
    return len >= inj.minSeconds && len <= inj.maxSeconds;
  });
  const rep = app?.report() ?? null;
  let recorded: number | null = null;
  let uncertain: number | null = null;
  let undated: number | null = null;
  let missed: number | null = null;
  let extra: number | null = null;
  if (rep) {
    // Matched by time only: a dose the app cannot date cannot vouch for any true dose (counts would hide a
    // mis-dated one), and an uncertain one is never a recorded dose (docs/scenarios.md "The summary").
    const doses = rep.doses.filter((d) => !d.possiblePriming);
    const sure = doses.filter((d) => !d.uncertain);
    const unsure = doses.filter((d) => d.uncertain);
    recorded = sure.length;
    uncertain = unsure.length;
    undated = doses.filter((d) => d.t === null).length;
    const usedSure = new Set<number>();
    const usedUnsure = new Set<number>();
    const find = (list: AppDose[], used: Set<number>, s: { off: number; on: number | null }) => {
      const end = (s.on ?? clock.now()) + MATCH_MARGIN_S;
      const i = list.findIndex((d, k) => !used.has(k) && d.t !== null && d.t >= s.off - MATCH_MARGIN_S && d.t <= end);
      if (i >= 0) used.add(i);
      return i >= 0;
    };
    let unmatched = 0;
    for (const s of trueSessions) if (!find(sure, usedSure, s) && !find(unsure, usedUnsure, s)) unmatched++;
    missed = unmatched;
    // A recorded, dated dose that matches no true dose was invented (or dated wrongly); an uncertain one
    // claims no dose, and an undated one is counted in `undated`.
    extra = sure.filter((d, k) => d.t !== null && !usedSure.has(k)).length;
  }
  const avg = opts.energy ? opts.energy.averageCurrentMicroamps() : null;
  const fs = device.flashStats();
  return {
    scenario: sc.name,
    board: device.board.name,
    simulatedDays: Math.round((clock.now() / 86400) * 100) / 100,
    doses: { true: trueSessions.length, recorded, uncertain, undated, missed, extra },
    records: {
      written: rep ? rep.recordsWritten : null,
      synced: rep ? rep.recordsSynced : null,
      lost: rep ? rep.recordsLost : null,
      corrupt: rep ? rep.recordsCorrupt : null,
      gaps: rep ? { overwritten: 0, skipped: 0, deleted: 0, missing: 0, unconfirmed: 0, ...(rep.gaps ?? {}) } : null,
    },
    signals,
    flash: fs,
    battery: {
      averageCurrentMicroamps: avg,
      // months = capacity / current; 730.5 hours a month.
      monthsOnCR2032: avg && avg > 0 ? Math.round(((CR2032_CAPACITY_MAH * 1000) / avg / 730.5) * 10) / 10 : null,
    },
    boots: { count: device.bootCount, reasons, brownOuts: device.brownOuts, storageResets: device.storageResets },
    app: app ? "attached" : "none",
    errors: device.errors.map((e) => ({ t: e.t, time: formatTime(e.t), where: e.where, message: e.message, handled: e.handled })),
    warnings,
  };
}

/** An app failure as a readable line: Errors, the central's {reason, message} rejections, anything else. */
export function describeFailure(e: unknown): string {
  if (e && typeof e === "object") {
    const o = e as { name?: unknown; message?: unknown; reason?: unknown; code?: unknown };
    const code = typeof o.reason === "string" ? o.reason : typeof o.code === "string" || typeof o.code === "number" ? String(o.code) : "";
    if (typeof o.message === "string") return code ? `${code}: ${o.message}` : o.message;
    try {
      return JSON.stringify(e);
    } catch {
      return Object.prototype.toString.call(e);
    }
  }
  return String(e);
}

/** The kind of a pins line (a recognised signal, or "unrecognised" / "output left on"): the summary's keys. */
export function signalKind(text: string): string {
  if (text.startsWith("blink code:")) return "blink: no dose known";
  const b = /^blink code (\d+)/.exec(text);
  if (b) return `blink code ${b[1]}`;
  // The quiet cue at a removal within the window, and the alarm (with the buzzer) at an injection attempt
  // (docs/detection.md "Double dose").
  if (text.startsWith("DOUBLE-DOSE WARNING")) return text.includes("no buzzer") ? "double-dose cue" : "double-dose warning";
  if (text.startsWith("CAP LEFT OFF")) return "cap-left-off alert";
  if (text.startsWith("FAULT")) return "fault pattern";
  if (text.startsWith("BATTERY LOW")) return "battery-low signal";
  if (text.startsWith("INSULIN TEMPERATURE")) return "temperature signal";
  if (text.endsWith("(still on)")) return "output left on";
  return "unrecognised";
}

export function describeEvent(ev: ScenarioEvent): string {
  const { t: _t, type, note, ...rest } = ev as ScenarioEvent & { index?: number };
  delete (rest as { index?: number }).index;
  const args = Object.entries(rest)
    .map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`)
    .join(" ");
  return `${type}${args ? " " + args : ""}${note ? ` — ${note}` : ""}`;
}

// ------------------------------------------------------------------------------------------ LEDs and buzzer

/** What an output is to a person holding the cap: its colour role and the name the timeline prints. */
interface SeenOutput {
  role: "red" | "green" | "blue" | "buzzer" | null;
  name: string;
}

/**
 * The outputs as a person sees them, per board, keyed by the simulator's pin label (sim/boards.ts labels). The
 * cap board's wiring is the cap's (firmware/boards/index.ts, MDBT42Q: red LED D2, green LED D3, buzzer D4);
 * Puck.js has LED1-3 red/green/blue and no buzzer. Anything else prints under its label.
 */
const CAP_OUTPUTS: Record<string, SeenOutput> = {
  LED2: { role: "red", name: "red LED (D2)" },
  LED3: { role: "green", name: "green LED (D3)" },
  BUZZER: { role: "buzzer", name: "buzzer (D4)" },
};
const SEEN_OUTPUTS: Record<string, Record<string, SeenOutput>> = {
  PENCAP: CAP_OUTPUTS,
  MDBT42Q: CAP_OUTPUTS,
  PUCKJS: {
    LED1: { role: "red", name: "red LED (LED1)" },
    LED2: { role: "green", name: "green LED (LED2)" },
    LED3: { role: "blue", name: "blue LED (LED3)" },
  },
};

export function seenOutput(board: string, label: string): SeenOutput {
  return SEEN_OUTPUTS[board]?.[label] ?? { role: null, name: label };
}

/**
 * The documented indicator patterns (docs/detection.md "Blink code"; firmware/hw/indicator.ts), recognised from
 * pin activity alone. Each entry: the outputs lit together, how many pulses, how long each is on (s). The
 * ranges are wide enough for the interpreter's few ms of callback time and tight enough to keep the patterns
 * apart (100 ms warning flashes, 200 ms blinks, 600 ms alert flashes, 1 s "no dose" blink).
 */
const WARN_ON_S: [number, number] = [0.05, 0.15];
const FAULT_ON_S: [number, number] = [0.03, 0.07];
const BLINK_ON_S: [number, number] = [0.15, 0.3];
const ALERT_ON_S: [number, number] = [0.45, 0.8];
const LONG_ON_S: [number, number] = [0.8, 1.4];
/** Outputs switched within this many seconds of each other belong to the same pulse. */
const SAME_PULSE_S = 0.02;
/** A pulse continues a run if it starts within this long after the previous one ended (patterns use 100-400 ms). */
const RUN_GAP_S = 0.6;
/** A burst ends after this long with every output off (the longest pattern pause is 400 ms). */
const BURST_IDLE_S = 1.5;
/** An output left on this long is reported as such (no documented pattern keeps one on beyond 1 s). */
const STUCK_S = 60;

/** What the blink code's n means (docs/detection.md: 1 = under 1 h, k = k-1 to k hours, 8 = 7 h or more). */
export function blinkMeaning(n: number): string {
  if (n <= 1) return "last dose less than 1 h ago";
  if (n >= 8) return "last dose 7 h or more ago";
  return `last dose ${n - 1}–${n} h ago`;
}

interface Pulse {
  /** The pin labels lit together, sorted. */
  pins: string[];
  on: number;
  off: number;
}

/**
 * Turns LED/buzzer changes into what a person sees. Changes are grouped into bursts (ended by 1.5 s with all
 * outputs off), a burst into pulses (outputs switched together) and runs (equal pulses in a row); a run that
 * matches a documented pattern prints as that signal ("blink code 4 (last dose 3–4 h ago)", "DOUBLE-DOSE
 * WARNING (red + buzzer ×5)", "CAP LEFT OFF alert (red + buzzer ×3)"), anything else prints raw per output:
 * "green LED (D3) ×4 (on 0.80 s)". Each run is one timeline line at its start time.
 */
export class PinPatterns {
  private changes: Array<{ t: number; pin: string; on: boolean }> = [];
  private lit = new Set<string>();
  private last = 0;

  /** board: the current board's name (a scenario can switch boards). */
  constructor(
    private out: (t: number, text: string) => void,
    private board: () => string = () => DEFAULT_BOARD,
  ) {}

  add(t: number, pin: string, on: boolean): void {
    if (this.changes.length) this.flush(t);
    if (on === this.lit.has(pin)) return; // a write that changes nothing is not seen
    this.changes.push({ t, pin, on });
    if (on) this.lit.add(pin);
    else this.lit.delete(pin);
    this.last = t;
  }

  /** Time of the first change of a burst not yet reported, or Infinity. */
  openSince(): number {
    return this.changes.length ? this.changes[0].t : Infinity;
  }

  /** Reports the burst if it is over (all off for 1.5 s, or something on for a minute), or always at Infinity. */
  flush(now: number): void {
    if (!this.changes.length) return;
    const idle = now - this.last;
    if (now !== Infinity && !(idle > BURST_IDLE_S && !this.lit.size) && !(idle > STUCK_S)) return;
    const changes = this.changes;
    this.changes = [];
    for (const line of this.describe(changes)) this.out(line.t, line.text);
  }

  private describe(changes: Array<{ t: number; pin: string; on: boolean }>): Array<{ t: number; text: string }> {
    const board = this.board();
    // Intervals per output; an output still on ends the burst as "still on".
    const since = new Map<string, number>();
    const intervals: Array<{ pin: string; on: number; off: number }> = [];
    for (const c of changes) {
      if (c.on) since.set(c.pin, c.t);
      else if (since.has(c.pin)) {
        intervals.push({ pin: c.pin, on: since.get(c.pin)!, off: c.t });
        since.delete(c.pin);
      }
    }
    // Outputs switched on and off together make one pulse.
    const pulses: Pulse[] = [];
    for (const iv of intervals.sort((a, b) => a.on - b.on)) {
      const p = pulses.find((q) => Math.abs(q.on - iv.on) <= SAME_PULSE_S && Math.abs(q.off - iv.off) <= SAME_PULSE_S);
      if (p) p.pins = [...p.pins, iv.pin].sort();
      else pulses.push({ pins: [iv.pin], on: iv.on, off: iv.off });
    }
    pulses.sort((a, b) => a.on - b.on);
    // Equal pulses in a row make a run.
    const runs: Pulse[][] = [];
    for (const p of pulses) {
      const run = runs[runs.length - 1];
      const prev = run?.[run.length - 1];
      const len = p.off - p.on;
      const same =
        prev &&
        prev.pins.join() === p.pins.join() &&
        Math.abs(prev.off - prev.on - len) <= Math.max(SAME_PULSE_S, 0.25 * len) &&
        p.on >= prev.off &&
        p.on - prev.off <= RUN_GAP_S;
      if (same) run.push(p);
      else runs.push([p]);
    }
    const lines = runs.map((run) => ({ t: run[0].on, text: recognise(board, run) ?? rawRun(board, run) }));
    for (const [pin, t] of since) lines.push({ t, text: `${seenOutput(board, pin).name} on (still on)` });
    return lines.sort((a, b) => a.t - b.t);
  }
}

const within = (x: number, r: [number, number]) => x >= r[0] && x <= r[1];

/** The documented signal this run shows, or null. */
function recognise(board: string, run: Pulse[]): string | null {
  const roles = run[0].pins.map((p) => seenOutput(board, p).role).sort().join("+");
  const n = run.length;
  const on = run.map((p) => p.off - p.on);
  const all = (r: [number, number]) => on.every((x) => within(x, r));
  if (roles === "green") {
    if (n === 1 && all(LONG_ON_S)) return "blink code: one long green blink (no dose known since boot)";
    if (n <= 8 && all(BLINK_ON_S)) return `blink code ${n} (${blinkMeaning(n)})`;
    return null;
  }
  if (roles === "buzzer+red" || roles === "red") {
    const how = roles === "red" ? "red ×" + n + ", no buzzer" : "red + buzzer ×" + n;
    if (n === 5 && all(WARN_ON_S)) return `DOUBLE-DOSE WARNING (${how})`;
    if (n === 3 && all(ALERT_ON_S)) return `CAP LEFT OFF alert (${how})`;
    if (n === 8 && all(FAULT_ON_S)) return `FAULT: not recording (${how})`;
    if (roles === "red" && n === 2 && all(LONG_ON_S)) return "BATTERY LOW signal (2 long red flashes)";
  }
  if (roles === "green+red" && n === 3 && all(BLINK_ON_S)) return "INSULIN TEMPERATURE signal (red + green ×3)";
  return null;
}

/** Unrecognised: per output, how many times and how long on in all. */
function rawRun(board: string, run: Pulse[]): string {
  const order = ["red", "green", "blue", "buzzer"];
  const rank = (pin: string) => {
    const i = order.indexOf(seenOutput(board, pin).role ?? "");
    return i < 0 ? order.length : i;
  };
  return [...run[0].pins]
    .sort((a, b) => rank(a) - rank(b))
    .map((pin) => `${seenOutput(board, pin).name} ×${run.length} (on ${run.reduce((s, p) => s + p.off - p.on, 0).toFixed(2)} s)`)
    .join(", ");
}
