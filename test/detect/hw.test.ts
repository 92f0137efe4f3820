// The hardware adapters (firmware/hw/sensor.ts, indicator.ts) against a minimal fake of the Espruino globals:
// virtual clock + timers, pins, setWatch (with Espruino's debounce: the callback comes `debounce` ms after the
// last edge, with the time of that edge), E.getTemperature, Puck.mag/magOn/'mag' events.
import { describe, it, expect, beforeEach, afterEach } from "vitest";
import { startDetection } from "../../firmware/hw/sensor";
import { createIndicator } from "../../firmware/hw/indicator";
import { boardProfile, MDBT42Q, PUCKJS, LINUX } from "../../firmware/boards/index";
import { defaultDetectConfig } from "../../firmware/detect/config";
import { DetectSink } from "../../firmware/detect/machine";
import {
  T_DOSE, T_UNCERTAIN_DOSE, T_CAP_LEFT_OFF, F_INTERRUPTED, SIG_BLINK, SIG_DOUBLE_DOSE, SIG_DOSE_ATTEMPT, SIG_LEFT_OFF, INSULIN_RAPID,
} from "../../firmware/detect/codes";
import { BOOT_LOG_INTERRUPTED, BOOT_NORMAL, BOOT_OPEN_INTERRUPTED } from "../../firmware/detect/reboot";

type Timer = { id: number; at: number; fn: () => void };
class FakeEspruino {
  now = 1000;
  timers: Timer[] = [];
  nextId = 1;
  maxPending = 0;
  levels: Record<string, number> = {};
  writes: { t: number; pin: string; v: number }[] = [];
  watches: { cb: (e: any) => void; pin: string; opts: any }[] = [];
  magHz: number | null = null;
  magListeners: ((xyz: any) => void)[] = [];
  magReading = { x: 100, y: -200, z: 300 };
  installed: string[] = [];

  install(): void {
    const g = globalThis as any;
    const set = (k: string, v: unknown) => {
      g[k] = v;
      this.installed.push(k);
    };
    for (const p of ["D2", "D3", "D4", "D5", "LED1", "LED2", "LED3"]) set(p, p);
    set("getTime", () => this.now);
    set("setTimeout", (fn: () => void, ms: number) => {
      const id = this.nextId++;
      this.timers.push({ id, at: this.now + Math.max(ms, 0) / 1000, fn });
      this.maxPending = Math.max(this.maxPending, this.timers.length);
      return id;
    });
    set("clearTimeout", (id: number) => {
      this.timers = this.timers.filter((t) => t.id !== id);
    });
    set("pinMode", () => {});
    set("digitalRead", (pin: string) => this.levels[pin] ?? 0);
    set("digitalWrite", (pin: string, v: number) => this.writes.push({ t: this.now, pin, v }));
    set("setWatch", (cb: (e: any) => void, pin: string, opts: any) => {
      this.watches.push({ cb, pin, opts });
      return this.watches.length;
    });
    set("clearWatch", () => {});
    set("E", { getTemperature: () => 22.25 });
    set("Puck", {
      mag: () => ({ ...this.magReading }),
      magOn: (hz: number) => (this.magHz = hz),
      magOff: () => (this.magHz = null),
      on: (ev: string, fn: (xyz: any) => void) => ev === "mag" && this.magListeners.push(fn),
      removeListener: () => {},
    });
  }
  uninstall(): void {
    const g = globalThis as any;
    // setTimeout/clearTimeout/console belong to Node: put Node's back
    for (const k of this.installed) delete g[k];
    g.setTimeout = realSetTimeout;
    g.clearTimeout = realClearTimeout;
  }
  /** Run timers up to time t. */
  runUntil(t: number): void {
    for (;;) {
      this.timers.sort((a, b) => a.at - b.at || a.id - b.id);
      const first = this.timers[0];
      if (!first || first.at > t) break;
      this.timers.shift();
      this.now = Math.max(this.now, first.at);
      first.fn();
    }
    this.now = Math.max(this.now, t);
  }
  /** The pin changes to `level` at time t (with Espruino's debounce delivery). */
  pinEdge(t: number, level: number): void {
    this.runUntil(t);
    const w = this.watches[0];
    const deb = (w.opts.debounce || 0) / 1000;
    this.runUntil(t + deb);
    w.cb({ state: !!level, time: t, lastTime: t - 1 });
  }
  magSample(t: number, xyz: { x: number; y: number; z: number }): void {
    this.runUntil(t);
    for (const l of this.magListeners) l(xyz);
  }
  pulses(pin: string): { on: number; off: number }[] {
    const out: { on: number; off: number }[] = [];
    let start = -1;
    for (const w of this.writes.filter((x) => x.pin === pin)) {
      if (w.v === 1) start = w.t;
      else if (start >= 0) {
        out.push({ on: start, off: w.t });
        start = -1;
      }
    }
    return out;
  }
}
const realSetTimeout = globalThis.setTimeout;
const realClearTimeout = globalThis.clearTimeout;

function recordingSink() {
  const events: { type: number; flags: number; t0: number; t1: number; a: number; b: number }[] = [];
  const signals: [number, number][] = [];
  const caps: [boolean, number][] = [];
  const sink: DetectSink = {
    event: (type, flags, t0, t1, a, b) => events.push({ type, flags, t0, t1, a, b }),
    signal: (code, arg) => signals.push([code, arg]),
    cap: (on, t) => caps.push([on, t]),
  };
  return { sink, events, signals, caps };
}
const noBoot = { markerSeq: -2, sessionLoggedAfterMarker: false, magBaseline: null, lastDoseT: -1 };

let fake: FakeEspruino;
beforeEach(() => {
  fake = new FakeEspruino();
  fake.install();
});
afterEach(() => fake.uninstall());

describe("board profiles", () => {
  it("are chosen by name; an unknown board stops with a coded error", () => {
    expect(boardProfile("MDBT42Q")).toBe(MDBT42Q);
    expect(boardProfile("PUCKJS")).toBe(PUCKJS);
    expect(boardProfile("LINUX")).toBe(LINUX);
    let err: any = null;
    try {
      boardProfile("ESP32");
    } catch (e) {
      err = e;
    }
    expect(err).toEqual({ code: "BOARD_UNKNOWN", message: expect.stringContaining("ESP32") });
    expect(() => boardProfile(undefined)).toThrow();
  });
  it("state the hall level, LEDs, buzzer, BLE", () => {
    expect(MDBT42Q).toMatchObject({ sensor: "switch", capOnLevel: 0, buzzer: "D4" });
    expect(PUCKJS).toMatchObject({ sensor: "mag", magHz: 2.5, ledRed: "LED1", ledGreen: "LED2", buzzer: "" });
    // A profile holds only its own sensor's fields (RAM on the device).
    expect(MDBT42Q).not.toHaveProperty("magHz");
    expect(PUCKJS).not.toHaveProperty("hallPin");
    expect(LINUX).toMatchObject({ sensor: "switch", ble: false });
    expect(PUCKJS.magOffDelta!).toBeLessThan(PUCKJS.magOnDelta!);
  });
});

describe("cap board: setWatch on the hall switch", () => {
  it("interrupt driven: a 30 ms bouncing dose gives one DOSE, blink code on the green LED, one timer at a time", () => {
    const s = recordingSink();
    fake.levels.D5 = 0; // DRV5032 output low: magnet near, cap on
    const det = startDetection(MDBT42Q, defaultDetectConfig(INSULIN_RAPID), s.sink, noBoot);
    expect(det.bootAction).toBe(BOOT_NORMAL);
    expect(fake.watches[0].pin).toBe("D5");
    expect(fake.watches[0].opts).toEqual({ repeat: true, edge: "both", debounce: 10 });
    // cap off at 1100 with bounce, on at 1130 with bounce
    fake.pinEdge(1100, 1);
    fake.pinEdge(1100.015, 0);
    fake.pinEdge(1100.03, 1);
    fake.pinEdge(1130, 0);
    fake.pinEdge(1130.01, 1);
    fake.pinEdge(1130.03, 0);
    fake.runUntil(1131.03);
    expect(s.events.map((e) => e.type)).toEqual([T_DOSE]);
    expect(s.events[0].a).toBe(30);
    expect(s.events[0].b & 0xff).toBe(22);
    expect(s.signals).toEqual([[SIG_BLINK, 0]]);
    expect(s.caps.map((c) => c[0])).toEqual([false, true]);
    // no dose known yet: one long blink on the green LED
    expect(fake.pulses("D3").map((p) => Math.round((p.off - p.on) * 1000))).toEqual([1000]);
    expect(fake.maxPending).toBeLessThanOrEqual(2); // detection's one deadline + the indicator's step
    // idle for a day: only the 5-minute temperature deadline wakes the CPU
    const before = fake.nextId;
    fake.runUntil(1131.03 + 86400);
    expect(fake.nextId - before).toBeLessThanOrEqual(289);
  });

  it("double dose: the quiet cue (5 red, no buzzer) and the blink code at the removal, the alarm (red + buzzer) at 4 s", () => {
    const s = recordingSink();
    fake.levels.D5 = 0;
    startDetection(MDBT42Q, defaultDetectConfig(INSULIN_RAPID), s.sink, noBoot);
    fake.pinEdge(1100, 1);
    fake.pinEdge(1130, 0);
    fake.runUntil(1200);
    fake.writes = [];
    fake.pinEdge(2900, 1); // 30 min after the dose
    fake.runUntil(2903.9);
    expect(s.signals.slice(1)).toEqual([[SIG_DOUBLE_DOSE, expect.closeTo(1770, 0)], [SIG_BLINK, 1]]);
    const red = fake.pulses("D2");
    expect(red.length).toBe(5);
    expect(fake.pulses("D4").length).toBe(0); // a look is not an injection: no buzzer
    expect(red[0].on - 2900).toBeGreaterThanOrEqual(0.3); // at the removal + settle time
    expect(red[0].on - 2900).toBeLessThan(0.32);
    const green = fake.pulses("D3");
    expect(green.length).toBe(1);
    expect(green[0].on).toBeGreaterThan(red[4].off); // one after the other
    fake.runUntil(2912); // still off: an injection attempt
    expect(s.signals.slice(3)).toEqual([[SIG_DOSE_ATTEMPT, expect.closeTo(1774, 0)]]);
    const buzz = fake.pulses("D4");
    expect(buzz.length).toBe(5);
    expect(fake.pulses("D2").length).toBe(10);
    expect(buzz[0].on).toBeGreaterThanOrEqual(2904);
    expect(buzz[0].on).toBeLessThan(2906); // before a dose can have been pressed in
  });

  it("an edge delivered late (the event queue busy, e.g. a page erase or a sync) is dated by the watch's e.time", () => {
    // Espruino queues the pin event with the time of the edge (jshPushIOWatchEvent) and runs the callback when
    // the idle loop gets to it: the session runs from the edges, not from when JS saw them.
    const s = recordingSink();
    fake.levels.D5 = 0;
    startDetection(MDBT42Q, defaultDetectConfig(INSULIN_RAPID), s.sink, noBoot);
    fake.runUntil(1101); // cap off at 1100, delivered 1 s late
    fake.watches[0].cb({ state: true, time: 1100, lastTime: 1000 });
    fake.pinEdge(1106.5, 0); // on at 1106.5: 6.5 s off, a dose (5.5 s if dated on delivery: a cap check)
    fake.runUntil(1110);
    expect(s.events.map((e) => [e.type, e.t0, e.a])).toEqual([[T_DOSE, 1100, 7]]);
  });

  it("cap left off: alert record and red/buzzer pattern at the limit from the single timeout", () => {
    const s = recordingSink();
    fake.levels.D5 = 0;
    startDetection(MDBT42Q, defaultDetectConfig(INSULIN_RAPID), s.sink, noBoot);
    fake.pinEdge(1100, 1);
    fake.runUntil(1100 + 605);
    expect(s.events.map((e) => e.type)).toEqual([T_CAP_LEFT_OFF]);
    expect(s.signals.map((x) => x[0])).toEqual([SIG_BLINK, SIG_LEFT_OFF]);
    expect(fake.pulses("D4").length).toBe(3);
    fake.pinEdge(5000, 0);
    fake.runUntil(5002);
    expect(s.events.map((e) => e.type)).toEqual([T_CAP_LEFT_OFF, T_UNCERTAIN_DOSE]);
  });

  it("reboot with the cap off: session opened as interrupted, recorded once at recap", () => {
    const s = recordingSink();
    fake.levels.D5 = 1; // cap off at boot
    const det = startDetection(MDBT42Q, defaultDetectConfig(INSULIN_RAPID), s.sink, { ...noBoot, markerSeq: 41 });
    expect(det.bootAction).toBe(BOOT_OPEN_INTERRUPTED);
    expect(s.caps).toEqual([[false, 1000]]);
    fake.pinEdge(1020, 0);
    fake.runUntil(1030);
    expect(s.events.map((e) => [e.type, e.flags & F_INTERRUPTED])).toEqual([[T_UNCERTAIN_DOSE, F_INTERRUPTED]]);
  });

  it("reboot while the cap went back on: logged at boot unless the log already has it", () => {
    fake.levels.D5 = 0;
    const s = recordingSink();
    const det = startDetection(MDBT42Q, defaultDetectConfig(INSULIN_RAPID), s.sink, { ...noBoot, markerSeq: 41 });
    expect(det.bootAction).toBe(BOOT_LOG_INTERRUPTED);
    expect(s.events.map((e) => [e.type, e.flags & F_INTERRUPTED])).toEqual([[T_UNCERTAIN_DOSE, F_INTERRUPTED]]);
    det.stop();
    const s2 = recordingSink();
    const det2 = startDetection(MDBT42Q, defaultDetectConfig(INSULIN_RAPID), s2.sink, { ...noBoot, markerSeq: 41, sessionLoggedAfterMarker: true });
    expect(det2.bootAction).toBe(BOOT_NORMAL);
    expect(s2.events).toEqual([]);
  });

  it("a new cap's first session (marker seq -1: the log was empty at the removal) ended during a reboot: logged at boot", () => {
    fake.levels.D5 = 0;
    const s = recordingSink();
    const det = startDetection(MDBT42Q, defaultDetectConfig(INSULIN_RAPID), s.sink, { ...noBoot, markerSeq: -1 });
    expect(det.bootAction).toBe(BOOT_LOG_INTERRUPTED);
    expect(s.events.map((e) => [e.type, e.flags & F_INTERRUPTED])).toEqual([[T_UNCERTAIN_DOSE, F_INTERRUPTED]]);
    det.stop();
  });
});

describe("Puck.js: magnetometer", () => {
  it("calibrates from Puck.mag(), runs magOn(2.5) and detects a dose from 'mag' events", () => {
    const s = recordingSink();
    const det = startDetection(PUCKJS, defaultDetectConfig(INSULIN_RAPID), s.sink, noBoot);
    expect(fake.magHz).toBe(2.5);
    expect([det.detector.bx, det.detector.by, det.detector.bz]).toEqual([100, -200, 300]);
    // the pen's magnet is near before the first removal: 3000 units (300 µT) along z
    const near = { x: 100, y: -200, z: 3300 };
    const away = { x: 120, y: -190, z: 310 };
    let t = 1000;
    for (; t < 1010; t += 0.4) fake.magSample(t, near);
    // calibrated with the cap off at boot; the cap going on afterwards records nothing (untracked session, and
    // no sink.cap(false): no reboot marker that a later boot could turn into a dose)
    expect(s.caps.map((c) => c[0])).toEqual([true]);
    expect(s.events).toEqual([]);
    for (; t < 1050; t += 0.4) fake.magSample(t, away);
    for (; t < 1060; t += 0.4) fake.magSample(t, near);
    expect(s.events.map((e) => e.type)).toEqual([T_DOSE]);
    const dose = s.events[0];
    expect(Math.abs(dose.a - 40)).toBeLessThanOrEqual(1);
    expect(fake.pulses("LED2").length).toBeGreaterThan(0); // blink code on the green LED
    det.stop();
    expect(fake.magHz).toBe(null);
  });

  it("with a stored baseline, the first reading decides the initial state", () => {
    const s = recordingSink();
    fake.magReading = { x: 100, y: -200, z: 3300 };
    const det = startDetection(PUCKJS, defaultDetectConfig(INSULIN_RAPID), s.sink, { ...noBoot, magBaseline: [100, -200, 300] });
    expect(det.detector.capOn).toBe(true);
    expect(s.events).toEqual([]);
  });
});

describe("indicator", () => {
  it("blink code: n short green blinks of 200 ms every 500 ms", () => {
    const ind = createIndicator(MDBT42Q);
    ind.signal(SIG_BLINK, 3);
    fake.runUntil(1010);
    const p = fake.pulses("D3");
    expect(p.map((x) => [Math.round((x.on - 1000) * 1000), Math.round((x.off - x.on) * 1000)])).toEqual([
      [0, 200],
      [500, 200],
      [1000, 200],
    ]);
    expect(ind.busy).toBe(false);
  });
  it("queued patterns are 1 s apart: two blink codes in a row do not read as one longer code", () => {
    const ind = createIndicator(MDBT42Q);
    ind.signal(SIG_BLINK, 2);
    ind.signal(SIG_BLINK, 1);
    fake.runUntil(1010);
    const p = fake.pulses("D3").map((x) => Math.round((x.on - 1000) * 1000));
    // 2 blinks at 0 and 500 ms (the second off at 700 ms), then 1 s of dark, then 1 blink
    expect(p).toEqual([0, 500, 1700]);
    expect(ind.busy).toBe(false);
  });
  it("a signal with no pattern (the temperature state) plays nothing and takes no queue slot", () => {
    const ind = createIndicator(MDBT42Q);
    ind.signal(4 /* SIG_TEMP */, 1);
    expect(ind.busy).toBe(false);
    ind.signal(SIG_BLINK, 1);
    fake.runUntil(1010);
    expect(fake.pulses("D3").length).toBe(1);
    expect(fake.pulses("D2").length).toBe(0);
  });
  it("the enable mask silences patterns: no blink code when blink codes are off (safe mode)", () => {
    const ind = createIndicator(MDBT42Q);
    ind.mask = 0;
    ind.signal(SIG_BLINK, 3);
    fake.runUntil(1010);
    expect(fake.writes).toEqual([]);
    expect(ind.busy).toBe(false);
  });
  it("host build without LEDs: no pin writes", () => {
    const ind = createIndicator(LINUX);
    ind.signal(SIG_BLINK, 2);
    fake.runUntil(1010);
    expect(fake.writes).toEqual([]);
  });
});
