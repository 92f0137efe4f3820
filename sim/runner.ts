// Plays a validated scenario on a SimDevice running the bundle, in virtual time, and sums it up.
import { CR2032_CAPACITY_MAH } from "./battery.js";
import { SimDevice, type Activity, type NrfFactory } from "./device.js";
import { formatTime, type ResolvedScenario, type ScenarioEvent } from "./scenario.js";

/** A dose the companion app holds, as the integration maps it back to scenario time. */
export interface AppDose {
  /** Scenario time (seconds) of the dose, or null when the cap's clock cannot be mapped. */
  t: number | null;
  /** The record carried the "possible priming" flag. */
  possiblePriming?: boolean;
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
  doses: { true: number; recorded: number | null; missed: number | null; extra: number | null };
  records: { written: number | null; synced: number | null; lost: number | null; corrupt: number | null };
  flash: { pages: number; maxEraseCount: number; wordWrites: number; erases: number };
  battery: { averageCurrentMicroamps: number | null; monthsOnCR2032: number | null };
  boots: { count: number; reasons: Record<string, number> };
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
  /** See SimDeviceOptions.hangGuardMs (0 = off). */
  hangGuardMs?: number;
}

export class ScenarioRunError extends Error {}

/** Seconds between cap-off and cap-on that a true injection can take when not labelled. */
const DEFAULT_INJECTION = { minSeconds: 5, maxSeconds: 600 };
/** A recorded dose matches a true one if its time is within this margin of the cap-off session. */
const MATCH_MARGIN_S = 120;

export async function runScenario(sc: ResolvedScenario, opts: RunOptions = {}): Promise<Summary> {
  const file = opts.file ?? "scenario";
  const device = new SimDevice({ board: sc.board ?? "MDBT42Q", freePages: sc.freePages, seed: sc.seed ?? 1, bundle: opts.bundle, nrf: opts.nrf ?? undefined, hangGuardMs: opts.hangGuardMs });
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
    } else timeline("device", e.why === "power-off" ? "power off" : `halt (${e.why})`);
  });
  const pins = new PinPatterns((t, text) => timeline("pins", text, t));
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
      release(clock.now() - 2);
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
            device.cutPowerAt(ev.atWrite !== undefined ? { kind: "wordWrite", at: ev.atWrite } : { kind: "erase", at: ev.duringErase! });
            const off = device.onLifecycle((e) => {
              if (e.kind === "halt" && e.why === "power-off") {
                off();
                timeline("device", `armed power cut fired (${ev.atWrite !== undefined ? `word write #${ev.atWrite}` : `erase #${ev.duringErase}`})`);
                restore();
              }
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
            timeline("app", `${ev.type} failed: ${e instanceof Error ? e.message : String(e)}`);
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
  let missed: number | null = null;
  let extra: number | null = null;
  if (rep) {
    const doses = rep.doses.filter((d) => !d.possiblePriming);
    recorded = doses.length;
    if (doses.every((d) => d.t !== null)) {
      const used = new Set<number>();
      let matched = 0;
      for (const s of trueSessions) {
        const end = (s.on ?? clock.now()) + MATCH_MARGIN_S;
        const i = doses.findIndex((d, k) => !used.has(k) && d.t! >= s.off - MATCH_MARGIN_S && d.t! <= end);
        if (i >= 0) {
          used.add(i);
          matched++;
        }
      }
      missed = trueSessions.length - matched;
      extra = doses.length - matched;
    } else {
      missed = Math.max(0, trueSessions.length - doses.length);
      extra = Math.max(0, doses.length - trueSessions.length);
    }
  }
  const avg = opts.energy ? opts.energy.averageCurrentMicroamps() : null;
  const fs = device.flashStats();
  return {
    scenario: sc.name,
    board: device.board.name,
    simulatedDays: Math.round((clock.now() / 86400) * 100) / 100,
    doses: { true: trueSessions.length, recorded, missed, extra },
    records: {
      written: rep ? rep.recordsWritten : null,
      synced: rep ? rep.recordsSynced : null,
      lost: rep ? rep.recordsLost : null,
      corrupt: rep ? rep.recordsCorrupt : null,
    },
    flash: fs,
    battery: {
      averageCurrentMicroamps: avg,
      // months = capacity / current; 730.5 hours a month.
      monthsOnCR2032: avg && avg > 0 ? Math.round(((CR2032_CAPACITY_MAH * 1000) / avg / 730.5) * 10) / 10 : null,
    },
    boots: { count: device.bootCount, reasons },
    app: app ? "attached" : "none",
    errors: device.errors.map((e) => ({ t: e.t, time: formatTime(e.t), where: e.where, message: e.message, handled: e.handled })),
    warnings,
  };
}

export function describeEvent(ev: ScenarioEvent): string {
  const { t: _t, type, note, ...rest } = ev as ScenarioEvent & { index?: number };
  delete (rest as { index?: number }).index;
  const args = Object.entries(rest)
    .map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`)
    .join(" ");
  return `${type}${args ? " " + args : ""}${note ? ` — ${note}` : ""}`;
}

/** Groups LED/buzzer changes into bursts: "LED1 ×3 (on 0.60 s in all)". */
class PinPatterns {
  private burst: Map<string, { ons: number; onSince: number | null; onTotal: number }> = new Map();
  private start = 0;
  private last = 0;
  constructor(private out: (t: number, text: string) => void) {}

  add(t: number, pin: string, on: boolean): void {
    if (this.burst.size && t - this.last > 1) this.flush(t);
    if (!this.burst.size) this.start = t;
    this.last = t;
    const b = this.burst.get(pin) ?? { ons: 0, onSince: null, onTotal: 0 };
    if (on && b.onSince === null) {
      b.ons++;
      b.onSince = t;
    } else if (!on && b.onSince !== null) {
      b.onTotal += t - b.onSince;
      b.onSince = null;
    }
    this.burst.set(pin, b);
  }

  /** Reports the burst if it is over (no change for a second) or if forced. */
  flush(now: number): void {
    if (!this.burst.size || now - this.last <= 1) return;
    const parts = [...this.burst.entries()].map(([pin, b]) => {
      const still = b.onSince !== null ? ", still on" : "";
      return `${pin} ×${b.ons} (on ${b.onTotal.toFixed(2)} s${still})`;
    });
    this.out(this.start, parts.join(", "));
    this.burst.clear();
  }
}
