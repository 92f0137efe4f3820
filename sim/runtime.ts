// One boot of the simulated Espruino: a fresh node:vm context whose globals are the Espruino API, over the
// device's clock, pins, flash and sensors. A reboot throws the runtime away (JS heap, timers and watches are
// lost) and builds a new one over the same flash. Each API follows https://www.espruino.com/Reference; where the
// page is vague the interpreter sources (src/jswrap_*.c, src/jsinteractive.c of 2v29) decided.
import vm from "node:vm";
import { bytesToString, crc32, toBytes } from "./bytes.js";
import { createFlashModule } from "./flashmod.js";
import { PowerCutError } from "./flash/nor.js";
import { EspruinoStorage, StorageError } from "./storage.js";
import { instrumentSource, STEP_COUNTER, STEP_TRIP } from "./hang-guard.js";
import { bootScope, wrapBootCode } from "./bundle-scope.js";
import type { SimDevice } from "./device.js";
import type { SimClock } from "./clock.js";
import { callbackSeconds } from "./cpu.js";

/** Objects and constructors of the firmware's realm, so values handed to it pass its instanceof checks. */
export interface Realm {
  global: Record<string, unknown>;
  Uint8Array: Uint8ArrayConstructor;
  ArrayBuffer: ArrayBufferConstructor;
  Error: ErrorConstructor;
  /** Deep-copies plain data (objects, arrays, typed arrays, primitives) into the firmware's realm. */
  fromHost<T>(v: T): T;
  /** Evaluates code in the firmware's context (tests, tools). */
  run(code: string): unknown;
}


interface TimerEntry {
  id: number;
  kind: "timeout" | "interval" | "debounce";
  cb: unknown;
  args: unknown[];
  intervalS: number;
  at: number; // clock time
  clockId: number;
  watch?: Watch;
  state?: boolean;
  /** The clock callback that fires this entry (made once, reused at every re-arm). */
  fire?: () => void;
  /** An interval: the time its current firing was due (changeInterval inside its own callback counts from it). */
  dueAt?: number;
}

interface Watch {
  id: number;
  pin: string;
  cb: unknown;
  repeat: boolean;
  edge: number; // 1 rising, -1 falling, 0 both
  debounceS: number;
  state: boolean;
  lastTime: number | undefined;
  timeout: TimerEntry | null;
}

const PIN_MODES = ["analog", "input", "input_pullup", "input_pulldown", "output", "opendrain", "af_output", "af_opendrain", "opendrain_pullup"];

/** Built-ins Espruino 2v29 lacks (docs/espruino-language.md): removed so the simulator fails where the device would. */
const MISSING_BUILTINS = `
delete globalThis.Map; delete globalThis.Set; delete globalThis.WeakMap; delete globalThis.WeakSet;
delete globalThis.WeakRef; delete globalThis.FinalizationRegistry; delete globalThis.Symbol;
delete Array.from; delete Object.getPrototypeOf(Uint8Array).from; delete Object.freeze; delete Object.is;
delete Number.isInteger; delete Number.isFinite; delete Number.isNaN; delete Number.MAX_SAFE_INTEGER; delete Number.EPSILON;
delete String.raw; delete String.prototype.codePointAt; delete String.prototype.trimStart;
delete Math.trunc; delete Math.imul; delete Math.log2; delete Math.clz32; delete Date.UTC;
delete ArrayBuffer.prototype.slice; delete Array.prototype.keys; delete Array.prototype.entries;
delete Array.prototype.flat; delete Array.prototype.findLast;
`;

export class EspruinoRuntime {
  readonly context: vm.Context;
  readonly realm: Realm;
  readonly storage: EspruinoStorage;
  private timers = new Map<number, TimerEntry>();
  private watches = new Map<number, Watch>();
  private listeners = new Map<object, Map<string, unknown[]>>();
  private pinObjects = new Map<string, object>();
  /** The Pin objects' names (D0..D31), the other way round: pinName runs at every pin API call. */
  private pinNames = new Map<object, string>();
  /** Strings Storage.read returned, by value → flash address (the last few only). */
  private mapped = new Map<string, number>();
  private storageStrings = new Set<string>();
  private pinModes = new Map<string, { mode: string; forced: boolean }>();
  private outputs = new Map<string, boolean>();
  private analogOut = new Map<string, number>();
  private E!: Record<string, unknown>;
  private Puck: Record<string, unknown> | null = null;
  private processObj!: Record<string, unknown>;
  private magTimer = 0;
  private magHz = 0;
  private apiCalls = 0;
  /** API calls and steps (loop iterations + function entries, counted by the hang guard) of the last
   *  callback: the CPU model's inputs (sim/cpu.ts), read by bench/cpu-calibrate.ts. */
  lastCallback = { apiCalls: 0, steps: 0 };
  private readSteps: () => number;
  private invokeScript: vm.Script;
  private pending: { fn: unknown; args: unknown[]; thisArg: unknown } | null = null;
  private pendingResult: unknown;
  /** Errors thrown through firmware code once the device is stopping (reboot, power cut); never reported. */
  private haltErrors = new WeakSet<object>();
  private wrapFactory: (h: unknown, fix: (e: unknown) => unknown) => (...a: unknown[]) => unknown;
  halted: string | null = null;
  disposed = false;
  /** The hang guard stopped the current callback. */
  private hangTripped = false;
  private resetSteps: vm.Script;
  private invokeDirect: (fn: unknown, thisArg: unknown, args: unknown[]) => unknown;
  /** Whether any of the names is a property of the context's global object (or its prototype chain). */
  private isGlobal: (names: string[]) => boolean;
  /** Those of the names that are own, configurable data properties of the context's global object. */
  private plainGlobals: (names: string[]) => string[];
  /** A new, empty Array of the firmware's realm. */
  private emptyArray!: () => unknown[];
  private drainScript: vm.Script;
  /** A then() ran since the last drain: the context's microtask queue may hold jobs. */
  private promiseJobs = false;
  /** Clock time until which the CPU is still running the last callback (sim/cpu.ts). */
  private cpuBusyUntil = 0;
  /** A firmware callback is running (call()): timers it sets count from its CPU time so far. */
  private inCallback = false;
  /** The timer whose callback is running, if any. */
  private firingTimer: TimerEntry | null = null;

  constructor(
    readonly device: SimDevice,
    strictLanguage: boolean,
    /** Steps (loop iterations + calls) a callback may take before it counts as a hang (0 = no guard): sim/hang-guard.ts. */
    readonly hangGuardSteps = 0,
  ) {
    const ctx = vm.createContext({}, { name: `espruino-${device.board.name}`, microtaskMode: "afterEvaluate" });
    this.context = ctx;
    if (strictLanguage) vm.runInContext(MISSING_BUILTINS, ctx);
    // Remove V8's own console from the context; Espruino's is installed below.
    vm.runInContext("delete globalThis.console;", ctx);
    const g = vm.runInContext("globalThis", ctx) as Record<string, unknown>;
    const ctors = vm.runInContext("({ Uint8Array, ArrayBuffer, Error, JSON })", ctx) as {
      Uint8Array: Uint8ArrayConstructor;
      ArrayBuffer: ArrayBufferConstructor;
      Error: ErrorConstructor;
      JSON: JSON;
    };
    const fromHost = <T,>(v: T): T => {
      if (v === undefined || v === null || typeof v !== "object") return v;
      if (ArrayBuffer.isView(v)) return new ctors.Uint8Array(toBytes(v)) as unknown as T;
      return ctors.JSON.parse(JSON.stringify(v)) as T;
    };
    this.realm = {
      global: g,
      Uint8Array: ctors.Uint8Array,
      ArrayBuffer: ctors.ArrayBuffer,
      Error: ctors.Error,
      fromHost,
      run: (code) => vm.runInContext(code, ctx),
    };
    // Callbacks run through a script so the context's microtasks (Promise jobs) drain after each one,
    // as Espruino runs promise handlers from its idle loop after the current callback.
    // Every host function the firmware can reach is wrapped in a function of its own realm, and every host
    // exception is turned into one of its Errors: no path leads to Node's Function constructor (and from there
    // to Node's process or require).
    this.wrapFactory = vm.runInContext(
      `(function (h, fix) { return function () { try { return h.apply(this, arguments); } catch (e) { throw fix(e); } }; })`,
      ctx,
    ) as typeof this.wrapFactory;
    Object.defineProperty(g, "\u0000simInvoke", {
      value: this.wrap(() => {
        const p = this.pending;
        if (!p) return;
        this.pending = null;
        this.pendingResult = (p.fn as (...a: unknown[]) => unknown).apply(p.thisArg, p.args);
      }),
      enumerable: false,
    });
    // The hang guard's step counter (sim/hang-guard.ts) is a script-scope binding, not a property of the global
    // object: those go through the context's interceptors (~1 µs an access). Each callback starts it at 0.
    vm.runInContext(`let ${STEP_COUNTER} = 0;`, ctx);
    this.invokeScript = new vm.Script(`${STEP_COUNTER} = 0; globalThis["\\u0000simInvoke"]()`);
    this.resetSteps = new vm.Script(`${STEP_COUNTER} = 0;`);
    this.readSteps = vm.runInContext(`(function () { return ${STEP_COUNTER}; })`, ctx) as () => number;
    // Callbacks are called straight from the host through a function of the context (a runInContext per
    // callback costs more than most callbacks). The context's promise jobs still run after the callback that
    // queued them: every job comes from a then() (Espruino 2v29 has no async/await, docs/espruino-language.md;
    // catch, finally and Promise.all call then), so a then() marks the queue and the callback ends with an
    // empty script, whose evaluation drains it (microtaskMode "afterEvaluate").
    this.invokeDirect = vm.runInContext(
      `(function (mark) {
        var then = Promise.prototype.then;
        Object.defineProperty(Promise.prototype, "then", {
          value: function then_() { mark(); return then.apply(this, arguments); }, writable: true, configurable: true,
        });
        return function (fn, thisArg, args) { ${STEP_COUNTER} = 0; return fn.apply(thisArg, args); };
      })`,
      ctx,
    )(this.wrap(() => {
      this.promiseJobs = true;
    })) as typeof this.invokeDirect;
    this.drainScript = new vm.Script("undefined");
    this.emptyArray = vm.runInContext("(function () { return []; })", ctx) as () => unknown[];
    this.isGlobal = vm.runInContext(
      "(function (names) { for (var i = 0; i < names.length; i++) if (names[i] in globalThis) return true; return false; })",
      ctx,
    ) as (names: string[]) => boolean;
    this.plainGlobals = vm.runInContext(
      `(function (names) {
        var out = [];
        for (var i = 0; i < names.length; i++) {
          var d = Object.getOwnPropertyDescriptor(globalThis, names[i]);
          if (d && d.configurable && "value" in d) out.push(names[i]);
        }
        return out;
      })`,
      ctx,
    ) as (names: string[]) => string[];
    // Once tripped, every step and API call throws, so firmware that catches the error cannot carry on.
    Object.defineProperty(g, STEP_TRIP, {
      value: this.wrap(() => {
        this.hangTripped = true;
        this.halted = "hung";
        throw this.haltError("hung");
      }),
      enumerable: false,
    });
    const b = device.board;
    this.storage = new EspruinoStorage(device.flash, b.storageAddress, b.storagePages);
    this.install();
  }

  // ---------------------------------------------------------------------------------------------- plumbing

  /** Every API entry: refuses once the device is halting, counts calls for the CPU estimate. */
  enter(): void {
    if (this.halted) throw this.haltError(this.halted);
    if (!this.device.flash.powered) {
      this.device.onFlashPowerCut();
      throw this.haltError("power cut");
    }
    this.apiCalls++;
  }

  error(message: string): Error {
    return new this.realm.Error(message);
  }

  /** An Error of the firmware's realm that unwinds its code while the device stops. */
  haltError(reason: string): Error {
    const e = this.error(`device halted: ${reason}`);
    this.haltErrors.add(e);
    return e;
  }

  /** Maps any exception to one of the firmware realm's (host errors would expose Node's Function). */
  private fix(e: unknown): unknown {
    if (e instanceof this.realm.Error) return e;
    if (e instanceof PowerCutError) {
      this.device.onFlashPowerCut();
      return this.haltError("power cut");
    }
    if (e instanceof Error) return this.error(`${e.name}: ${e.message}`);
    // A host object must not reach the firmware; its own values (plain objects, primitives) pass unchanged.
    if (e !== null && (typeof e === "object" || typeof e === "function") && e instanceof Object) return this.error(formatValue(e));
    return e;
  }

  /** A firmware-realm function that calls the host function h. */
  wrap<F extends (...a: any[]) => unknown>(h: F): F {
    return this.wrapFactory(h, (e) => this.fix(e)) as F;
  }

  /**
   * Gives a plain host object the firmware realm's Object.prototype (its .constructor would otherwise be Node's
   * Object, whose constructor is Node's Function) and wraps its functions. Objects with another prototype
   * (class instances) keep it: only their own functions are wrapped.
   */
  adopt<T extends object>(obj: T): T {
    if (Object.getPrototypeOf(obj) === Object.prototype) Object.setPrototypeOf(obj, this.realmObjectProto);
    return this.wrapAll(obj);
  }

  private get realmObjectProto(): object {
    return Object.getPrototypeOf(this.realm.fromHost({})) as object;
  }

  /** Replaces the host functions among obj's own properties by wrapped ones. */
  wrapAll<T extends object>(obj: T): T {
    const o = obj as Record<string, unknown>;
    for (const k of Object.keys(o)) {
      const v = o[k];
      if (typeof v === "function" && v instanceof Function) o[k] = this.wrap(v as (...a: unknown[]) => unknown);
    }
    return obj;
  }
  private def(obj: Record<string, unknown>, name: string, fn: (...a: any[]) => unknown): void {
    obj[name] = fn;
  }

  /** An Espruino event emitter mixin (obj.on / removeListener / removeAllListeners / emit). */
  private emitterMethods(obj: Record<string, unknown>): void {
    const map = new Map<string, unknown[]>();
    this.listeners.set(obj, map);
    obj.on = obj.addListener = (ev: string, fn: unknown) => {
      this.enter();
      if (typeof fn !== "function") throw this.error("Expecting a function to call");
      const l = map.get(ev) ?? [];
      l.push(fn);
      map.set(ev, l);
      return obj;
    };
    obj.prependListener = (ev: string, fn: unknown) => {
      this.enter();
      const l = map.get(ev) ?? [];
      l.unshift(fn);
      map.set(ev, l);
      return obj;
    };
    obj.removeListener = (ev: string, fn: unknown) => {
      this.enter();
      const l = map.get(ev);
      if (l) {
        const i = l.indexOf(fn);
        if (i >= 0) l.splice(i, 1);
      }
      return obj;
    };
    obj.removeAllListeners = (ev?: string) => {
      this.enter();
      if (ev === undefined) map.clear();
      else map.delete(ev);
      return obj;
    };
    obj.emit = (ev: string, ...args: unknown[]) => {
      this.enter();
      for (const fn of [...(map.get(ev) ?? [])]) (fn as (...a: unknown[]) => unknown).apply(obj, args);
      return obj;
    };
  }

  /** Listeners of an event on one of the runtime's objects. */
  listenersOf(obj: object, ev: string): unknown[] {
    return [...(this.listeners.get(obj)?.get(ev) ?? [])];
  }

  /** Fires an event from the host side: each listener runs as its own callback. */
  fire(obj: object, ev: string, args: unknown[], label: string): void {
    for (const fn of this.listenersOf(obj, ev)) this.call(fn, args, label, obj);
  }

  /**
   * Runs one firmware callback the way Espruino's idle loop does: an uncaught exception is printed as
   * "Uncaught ..." (or handed to process.on('uncaughtException')) and the device carries on.
   */
  call(fn: unknown, args: unknown[], label: string, thisArg?: unknown, timer?: TimerEntry): unknown {
    if (this.halted || this.disposed || !this.device.running) return undefined;
    // The CPU is still interpreting an earlier callback: Espruino's idle loop gets to this one afterwards.
    const start = this.device.clock.now();
    if (start < this.cpuBusyUntil && label !== "evaluate") {
      this.device.clock.schedule(this.cpuBusyUntil, () => this.call(fn, args, label, thisArg, timer));
      return undefined;
    }
    this.apiCalls = 0;
    this.inCallback = true;
    this.firingTimer = timer ?? null;
    let result: unknown;
    try {
      if (typeof fn === "string") {
        this.resetSteps.runInContext(this.context);
        result = vm.runInContext(this.guardSource(fn), this.context);
      } else if (typeof fn === "function") {
        result = this.invokeDirect(fn, thisArg, args);
      }
    } catch (e) {
      this.pending = null;
      this.uncaught(e, label);
    }
    if (this.promiseJobs) {
      this.promiseJobs = false;
      try {
        this.drainScript.runInContext(this.context);
      } catch (e) {
        this.uncaught(e, label);
      }
    }
    this.inCallback = false;
    this.firingTimer = null;
    if (this.hangTripped) this.device.onHang(label);
    // CPU time on an nRF52 from the calibrated model (sim/cpu.ts): the clock's next callback waits for it.
    // Steps are counted only with the hang guard on (the default); without it the model has the API calls alone.
    const steps = this.hangGuardSteps ? this.readSteps() : 0;
    this.lastCallback.apiCalls = this.apiCalls; // (updated in place: one object less per callback)
    this.lastCallback.steps = steps;
    const cpu = callbackSeconds(this.apiCalls, steps, this.device.cpuMsPerUnit);
    this.cpuBusyUntil = start + cpu;
    this.device.emitActivity({ kind: "cpu", seconds: cpu });
    this.device.afterCallback();
    return result;
  }

  uncaught(e: unknown, label: string): void {
    if ((e && typeof e === "object" && this.haltErrors.has(e)) || this.halted) return;
    if (e instanceof PowerCutError || !this.device.flash.powered) {
      this.device.onFlashPowerCut();
      return;
    }
    const handlers = this.listenersOf(this.processObj, "uncaughtException");
    if (handlers.length) {
      this.device.reportUncaught(e, label, true);
      for (const h of handlers) {
        try {
          this.pending = { fn: h, args: [e], thisArg: this.processObj };
          this.invokeScript.runInContext(this.context);
        } catch (e2) {
          this.pending = null;
          this.device.reportUncaught(e2, label + " (in uncaughtException handler)");
        }
      }
      return;
    }
    this.device.reportUncaught(e, label);
  }

  /** Code compiled into the context, with the hang guard's step checks when the guard is on. */
  guardSource(src: string): string {
    return this.hangGuardSteps ? instrumentSource(src, this.hangGuardSteps) : src;
  }

  /**
   * The boot code as compiled: with the hang guard's step checks, and its top-level names made locals of a
   * function that the global object sees through accessors (sim/bundle-scope.ts) unless one of them is
   * already a global of this context (then it runs as a plain script).
   */
  bootSource(src: string): string {
    const code = this.guardSource(src);
    const scope = bootScope(src);
    if (!scope || this.isGlobal(scope.names)) return code;
    return wrapBootCode(code, scope, Array.from(this.plainGlobals(scope.free)));
  }

  private rememberMapped(str: string, addr: number): void {
    this.mapped.delete(str);
    this.mapped.set(str, addr);
    if (this.mapped.size > 8) this.mapped.delete(this.mapped.keys().next().value as string);
  }

  // ---------------------------------------------------------------------------------------------- timers

  private newTimerId(): number {
    // jsiTimerAdd: jsvArrayAddToEnd(timerArray, timer, 1) - 1, so ids start at 1 and follow the largest live id.
    let max = 0;
    for (const id of this.timers.keys()) if (id > max) max = id;
    return max + 1;
  }

  private addTimer(t: Omit<TimerEntry, "id" | "clockId">): TimerEntry {
    const e = t as TimerEntry;
    e.id = this.newTimerId();
    e.clockId = 0;
    this.timers.set(e.id, e);
    this.armTimer(e);
    return e;
  }

  private armTimer(e: TimerEntry): void {
    if (e.clockId) this.device.clock.cancel(e.clockId);
    e.clockId = this.device.clock.schedule(e.at, (e.fire ??= () => this.fireTimer(e)));
  }

  private removeTimer(e: TimerEntry): void {
    this.device.clock.cancel(e.clockId);
    this.timers.delete(e.id);
  }

  private fireTimer(e: TimerEntry): void {
    if (this.timers.get(e.id) !== e) return;
    if (e.kind === "debounce") return this.fireDebounce(e);
    if (e.kind === "interval") {
      e.dueAt = e.at;
      e.at += e.intervalS; // timerTime + interval: no drift
      this.armTimer(e);
    } else {
      this.timers.delete(e.id);
    }
    this.call(e.cb, e.args, e.kind === "interval" ? "setInterval" : "setTimeout", undefined, e);
  }

  private setTimer(kind: "timeout" | "interval", fn: unknown, ms: unknown, args: unknown[]): number {
    this.enter();
    if (typeof fn !== "function" && typeof fn !== "string") throw this.error("Function or String not supplied!");
    let m = Number(ms);
    if (Number.isNaN(m) || m < 0.1) m = 0.1; // TIMER_MIN_INTERVAL
    if (m > 31536000001000) throw this.error("Interval is too long (>100 years)");
    const s = m / 1000;
    // Espruino stores a new timer as (jshGetSystemTime() - jsiLastIdleTime) + interval (2v29
    // jswrap_interactive.c): it counts from the moment of the call, after the CPU time the callback has
    // spent so far, not from the callback's start. The virtual clock stands at the start while a callback
    // runs, so the time spent so far (the CPU model's, sim/cpu.ts) is added.
    return this.addTimer({ kind, cb: fn, args, intervalS: s, at: this.device.clock.now() + this.cpuSoFar() + s }).id;
  }

  /** CPU seconds the running callback has spent so far on the nRF52 (0 outside a callback). */
  private cpuSoFar(): number {
    if (!this.inCallback) return 0;
    return callbackSeconds(this.apiCalls, this.hangGuardSteps ? this.readSteps() : 0, this.device.cpuMsPerUnit);
  }

  private clearTimer(args: unknown[], what: string): void {
    this.enter();
    if (args.length === 0) {
      // All timers except the debounce timeouts of watches (jswrap_interactive.c).
      for (const e of [...this.timers.values()]) if (e.kind !== "debounce") this.removeTimer(e);
      return;
    }
    const id = args[0];
    if (id === undefined) throw this.error(`clear${what}(undefined) not allowed. Use clear${what}() instead`);
    const e = this.timers.get(Number(id));
    if (e) this.removeTimer(e);
  }

  // ---------------------------------------------------------------------------------------------- pins

  /** Pin name ("D5") from a Pin object or a number. */
  pinName(p: unknown): string {
    if (p && typeof p === "object") {
      const name = this.pinNames.get(p);
      if (name !== undefined) return name;
    }
    if (typeof p === "number" && Number.isInteger(p) && p >= 0 && p < 32) return "D" + p;
    throw this.error(`Invalid pin: ${String(p)}`);
  }

  private mode(pin: string): string {
    return this.pinModes.get(pin)?.mode ?? "input";
  }

  /** Level seen on a pin: outputs read back their output level, inputs the external level. */
  readPin(pin: string): boolean {
    const m = this.mode(pin);
    if (m === "output" || m === "af_output") return this.outputs.get(pin) ?? false;
    return this.device.inputLevel(pin, m);
  }

  private write(pin: string, level: boolean): void {
    const pm = this.pinModes.get(pin);
    // Automatic pin mode: a write makes the pin an output unless pinMode was forced.
    if (!pm || (!pm.forced && pm.mode !== "output" && pm.mode !== "opendrain")) this.pinModes.set(pin, { mode: "output", forced: false });
    const old = this.outputs.get(pin) ?? false;
    this.outputs.set(pin, level);
    if (old !== level) this.device.outputChanged(pin, level);
  }

  private read(pin: string): boolean {
    const pm = this.pinModes.get(pin);
    // Automatic pin mode: reading a pin that was made an output automatically turns it back into an input.
    if (pm && !pm.forced && pm.mode === "output") this.pinModes.set(pin, { mode: "input", forced: false });
    return this.readPin(pin);
  }

  /** The device's hook: an external level change on an input pin (hall switch, button). */
  inputChanged(pin: string): void {
    const level = this.readPin(pin);
    const t = this.device.getTime();
    for (const w of [...this.watches.values()]) {
      if (w.pin !== pin || this.watches.get(w.id) !== w) continue;
      if (w.debounceS <= 0) {
        w.state = level;
        if (this.shouldExecute(w, level)) {
          const ev = { state: level, lastTime: w.lastTime, time: t, pin: this.pinObjects.get(pin) };
          if (!w.repeat) this.watches.delete(w.id);
          w.lastTime = t;
          this.call(w.cb, [this.eventObject(ev)], "setWatch");
        } else {
          w.lastTime = t; // lastTime is updated whichever edge it was (jsinteractive.c)
        }
        continue;
      }
      // Debounced (jsinteractive.c): every edge pushes the pending timeout to edge time + debounce and records
      // the latest level; the first edge away from the settled state creates it.
      if (w.timeout) {
        w.timeout.at = this.device.clock.now() + w.debounceS;
        w.timeout.state = level;
        this.armTimer(w.timeout);
      } else if (level !== w.state) {
        w.timeout = this.addTimer({ kind: "debounce", cb: w.cb, args: [], intervalS: 0, at: this.device.clock.now() + w.debounceS, watch: w, state: level });
      }
    }
  }

  private fireDebounce(e: TimerEntry): void {
    this.timers.delete(e.id);
    const w = e.watch!;
    w.timeout = null;
    const timerState = e.state!;
    const changed = w.state !== timerState;
    w.state = timerState;
    if (!changed || this.watches.get(w.id) !== w) return;
    // time = when the level last changed (the timeout fired `debounce` after it).
    const time = this.device.getTime() - w.debounceS;
    const lastTime = w.lastTime;
    w.lastTime = time;
    if (!this.shouldExecute(w, timerState)) return;
    if (!w.repeat) this.watches.delete(w.id);
    this.call(w.cb, [this.eventObject({ state: timerState, lastTime, time, pin: this.pinObjects.get(w.pin) })], "setWatch");
  }

  private eventObject(ev: { state: boolean; lastTime: number | undefined; time: number; pin: unknown }): object {
    const o = this.realm.fromHost({ state: ev.state, time: ev.time }) as Record<string, unknown>;
    if (ev.lastTime !== undefined) o.lastTime = ev.lastTime;
    o.pin = ev.pin;
    return o;
  }

  private shouldExecute(w: Watch, high: boolean): boolean {
    return w.edge === 0 || (high && w.edge > 0) || (!high && w.edge < 0);
  }

  // ---------------------------------------------------------------------------------------------- globals

  private install(): void {
    const g = this.realm.global;
    const dev = this.device;
    const board = dev.board;
    g.global = g;

    // Pins: D0..D31 as Pin objects (https://www.espruino.com/Reference#Pin), LEDs/BTN as aliases.
    const makePin = vm.runInContext(
      `(function (name, num, api) {
        function Pin() {}
        Pin.prototype.toString = function () { return name; };
        Pin.prototype.valueOf = function () { return num; };
        Pin.prototype.read = function () { return api.read(this); };
        Pin.prototype.write = function (v) { api.write(this, v); };
        Pin.prototype.set = function () { api.write(this, 1); };
        Pin.prototype.reset = function () { api.write(this, 0); };
        Pin.prototype.toggle = function () { var v = !api.read(this); api.write(this, v); return v; };
        Pin.prototype.mode = function (m) { api.mode(this, m); };
        Pin.prototype.getMode = function () { return api.getMode(this); };
        Pin.prototype.getInfo = function () { return { port: "D", num: num }; };
        return new Pin();
      })`,
      this.context,
    ) as (name: string, num: number, api: unknown) => object;
    const pinApi = {
      read: (p: unknown) => (this.read(this.pinName(p)) ? 1 : 0) === 1,
      write: (p: unknown, v: unknown) => {
        this.enter();
        this.write(this.pinName(p), !!v);
      },
      mode: (p: unknown, m: unknown) => (g.pinMode as (a: unknown, b: unknown) => void)(p, m),
      getMode: (p: unknown) => this.mode(this.pinName(p)),
    };
    this.wrapAll(pinApi);
    for (let i = 0; i < 32; i++) {
      const o = makePin("D" + i, i, pinApi);
      this.pinObjects.set("D" + i, o);
      this.pinNames.set(o, "D" + i);
      g["D" + i] = o;
    }
    for (const [led, pin] of Object.entries(board.pins.leds)) g[led] = this.pinObjects.get(pin);
    if (board.pins.button) g.BTN = g.BTN1 = this.pinObjects.get(board.pins.button);
    const isButton = (pin: string) => pin === board.pins.button;

    // https://www.espruino.com/Reference#l__global_digitalWrite — a pin or an array of pins (MSB first).
    this.def(g, "digitalWrite", (pin: unknown, value: unknown) => {
      this.enter();
      if (Array.isArray(pin)) {
        const v = Number(value);
        pin.forEach((p, i) => this.write(this.pinName(p), ((v >> (pin.length - 1 - i)) & 1) === 1));
      } else this.write(this.pinName(pin), !!Number(value));
    });
    // https://www.espruino.com/Reference#l__global_digitalRead
    this.def(g, "digitalRead", (pin: unknown) => {
      this.enter();
      if (Array.isArray(pin)) return pin.reduce((acc: number, p) => (acc << 1) | (this.read(this.pinName(p)) ? 1 : 0), 0);
      return this.read(this.pinName(pin)) ? 1 : 0;
    });
    // https://www.espruino.com/Reference#l__global_pinMode — undefined mode = back to automatic.
    this.def(g, "pinMode", (pin: unknown, mode: unknown, automatic?: unknown) => {
      this.enter();
      const name = this.pinName(pin);
      if (mode === undefined || mode === "auto") {
        this.pinModes.delete(name);
        return;
      }
      if (typeof mode !== "string" || !PIN_MODES.includes(mode)) throw this.error(`Unknown pin mode ${String(mode)}`);
      this.pinModes.set(name, { mode, forced: !automatic });
      dev.pinModeChanged(name);
    });
    this.def(g, "getPinMode", (pin: unknown) => {
      this.enter();
      return this.mode(this.pinName(pin));
    });
    // https://www.espruino.com/Reference#l__global_analogRead — 0..1, from the device's analog model.
    this.def(g, "analogRead", (pin: unknown) => {
      this.enter();
      return dev.analogLevel(this.pinName(pin));
    });
    // https://www.espruino.com/Reference#l__global_analogWrite — PWM duty 0..1 (buzzer: {freq}).
    this.def(g, "analogWrite", (pin: unknown, value: unknown, opts?: { freq?: number }) => {
      this.enter();
      const name = this.pinName(pin);
      const v = Math.max(0, Math.min(1, Number(value)));
      this.analogOut.set(name, v);
      this.pinModes.set(name, { mode: "output", forced: false });
      this.outputs.set(name, v > 0);
      dev.outputChanged(name, v > 0, opts && typeof opts === "object" ? Number(opts.freq) || undefined : undefined);
    });
    // https://www.espruino.com/Reference#l__global_digitalPulse — returns at once; the pulse runs on a timer.
    this.def(g, "digitalPulse", (pin: unknown, value: unknown, time: unknown) => {
      this.enter();
      const name = this.pinName(pin);
      const times = (Array.isArray(time) ? time : [time]).map(Number);
      let level = !!value;
      let at = dev.clock.now();
      this.write(name, level);
      for (const ms of times) {
        at += Math.max(0, ms) / 1000;
        level = !level;
        const l = level;
        dev.scheduleOwned(at, () => {
          if (!this.disposed) this.write(name, l);
        });
      }
    });
    // https://www.espruino.com/Reference#l__global_setWatch
    this.def(g, "setWatch", (fn: unknown, pin: unknown, opts?: unknown) => {
      this.enter();
      const name = this.pinName(pin);
      let repeat = false;
      let debounceMs = 0;
      let edge = 0;
      if (isButton(name)) {
        edge = 1;
        debounceMs = 25;
      }
      if (opts && typeof opts === "object") {
        const o = opts as Record<string, unknown>;
        if ("repeat" in o) repeat = !!o.repeat;
        if ("debounce" in o) {
          debounceMs = Number(o.debounce);
          if (Number.isNaN(debounceMs) || debounceMs < 0) debounceMs = 0;
        }
        if (o.edge !== undefined) {
          const e = o.edge;
          if (typeof e === "number") edge = e > 0 ? 1 : e < 0 ? -1 : 0;
          else if (e === "rising") edge = 1;
          else if (e === "falling") edge = -1;
          else if (e === "both") edge = 0;
          else throw this.error("'edge' in setWatch should be 1, -1, 0, 'rising', 'falling' or 'both'");
        }
      } else repeat = !!opts;
      if (typeof fn !== "function" && typeof fn !== "string") throw this.error("Function or String not supplied!");
      let id = 1;
      for (const k of this.watches.keys()) if (k >= id) id = k + 1;
      const w: Watch = { id, pin: name, cb: fn, repeat, edge, debounceS: debounceMs / 1000, state: this.readPin(name), lastTime: undefined, timeout: null };
      this.watches.set(id, w);
      return id;
    });
    // https://www.espruino.com/Reference#l__global_clearWatch — no argument clears all.
    this.def(g, "clearWatch", (...args: unknown[]) => {
      this.enter();
      if (args.length === 0) {
        for (const w of this.watches.values()) if (w.timeout) this.removeTimer(w.timeout);
        this.watches.clear();
        return;
      }
      if (args[0] === undefined) throw this.error("clearWatch(undefined) not allowed. Use clearWatch() instead");
      const w = this.watches.get(Number(args[0]));
      if (w) {
        if (w.timeout) this.removeTimer(w.timeout);
        this.watches.delete(w.id);
      }
    });

    // Timers — https://www.espruino.com/Reference#l__global_setTimeout etc. Ids are integers; ms arguments.
    this.def(g, "setTimeout", (fn: unknown, ms: unknown, ...args: unknown[]) => this.setTimer("timeout", fn, ms, args));
    this.def(g, "setInterval", (fn: unknown, ms: unknown, ...args: unknown[]) => this.setTimer("interval", fn, ms, args));
    this.def(g, "clearTimeout", (...a: unknown[]) => this.clearTimer(a, "Timeout"));
    this.def(g, "clearInterval", (...a: unknown[]) => this.clearTimer(a, "Interval"));
    // https://www.espruino.com/Reference#l__global_changeInterval — new period, next run `time` ms from now.
    this.def(g, "changeInterval", (id: unknown, ms: unknown) => {
      this.enter();
      let m = Number(ms);
      if (!(m >= 0.1)) m = 0.1;
      const e = this.timers.get(Number(id));
      if (!e || e.kind === "debounce") throw this.error("Unknown Interval");
      e.intervalS = m / 1000;
      // From the call, as setTimer; but inside the interval's own callback Espruino sets the next time after
      // the callback returns, from the firing's due time plus the (new) interval (jsiIdle: "Load interval
      // *after* executing code").
      e.at = (this.firingTimer === e && e.dueAt !== undefined ? e.dueAt : dev.clock.now() + this.cpuSoFar()) + e.intervalS;
      this.armTimer(e);
    });

    // Time — https://www.espruino.com/Reference#l__global_getTime / #l__global_setTime. setTime moves the clock
    // getTime and Date read; pending timers keep their delays (jswrap_interactive_setTime).
    this.def(g, "getTime", () => {
      this.enter();
      return dev.getTime();
    });
    this.def(g, "setTime", (t: unknown) => {
      this.enter();
      dev.setTime(Number(t));
    });
    const installDate = vm.runInContext(
      `(function (nowMs) {
        var RealDate = Date;
        function SimDate(a, b, c, d, e, f, g) {
          if (!(this instanceof SimDate)) return new RealDate(nowMs()).toString();
          var n = arguments.length;
          if (n === 0) return new RealDate(nowMs());
          if (n === 1) return new RealDate(a);
          return new RealDate(a, b, c === undefined ? 1 : c, d || 0, e || 0, f || 0, g || 0);
        }
        SimDate.prototype = RealDate.prototype;
        SimDate.now = function () { return nowMs(); };
        SimDate.parse = RealDate.parse;
        Object.defineProperty(RealDate.prototype, "constructor", { value: SimDate, writable: true, configurable: true });
        globalThis.Date = SimDate;
      })`,
      this.context,
    ) as (nowMs: () => number) => void;
    installDate(() => dev.getTime() * 1000);

    // Console — https://www.espruino.com/Reference#l_console_log ; print is the same.
    const log = (...args: unknown[]) => {
      this.enter();
      dev.print(args.map((a) => formatValue(a)).join(" "));
    };
    g.console = this.realm.fromHost({});
    const con = g.console as Record<string, unknown>;
    for (const n of ["log", "info", "warn", "error", "debug"]) con[n] = log;
    g.print = log;
    g.btoa = (s: string) => Buffer.from(String(s), "latin1").toString("base64");
    g.atob = (s: string) => Buffer.from(String(s), "base64").toString("latin1");

    // peek32/poke32 — https://www.espruino.com/Reference#l__global_peek32 . Only the nRF52 POWER.RESETREAS
    // register (0x40000400, nRF52832 PS §18.8.3) is modelled: this is how an nRF52 program learns why it reset
    // (Espruino 2v29 has no reset-reason API of its own). Bits stay set until written back as 1s.
    this.def(g, "peek32", (addr: unknown) => {
      this.enter();
      if (Number(addr) === 0x40000400 && board.hasNrf) return dev.resetReasonRegister();
      return 0;
    });
    this.def(g, "poke32", (addr: unknown, value: unknown) => {
      this.enter();
      if (Number(addr) === 0x40000400 && board.hasNrf) dev.clearResetReasonBits(Number(value) >>> 0);
    });

    // E — https://www.espruino.com/Reference#E
    const E = this.realm.fromHost({}) as Record<string, unknown>;
    this.E = E;
    g.E = E;
    this.emitterMethods(E);
    // https://www.espruino.com/Reference#l_E_getTemperature — the nRF52 TEMP sensor has 0.25 °C steps.
    this.def(E, "getTemperature", () => {
      this.enter();
      return board.hasNrf ? Math.round(dev.temperature * 4) / 4 : NaN;
    });
    // https://www.espruino.com/Reference#l_E_CRC32 — standard CRC-32 of a string or array.
    this.def(E, "CRC32", (data: unknown) => {
      this.enter();
      return crc32(toBytes(data));
    });
    // https://www.espruino.com/Reference#l_E_toString — arguments as one byte string.
    this.def(E, "toString", (...args: unknown[]) => {
      this.enter();
      return args.map((a) => bytesToString(toBytes(a))).join("");
    });
    // https://www.espruino.com/Reference#l_E_toUint8Array
    this.def(E, "toUint8Array", (...args: unknown[]) => {
      this.enter();
      const parts = args.map((a) => toBytes(a));
      const out = new this.realm.Uint8Array(parts.reduce((s, p) => s + p.length, 0));
      let o = 0;
      for (const p of parts) {
        out.set(p, o);
        o += p.length;
      }
      return out;
    });
    // https://www.espruino.com/Reference#l_E_enableWatchdog / #l_E_kickWatchdog
    this.def(E, "enableWatchdog", (timeout: unknown, isAuto?: unknown) => {
      this.enter();
      let t = Number(timeout);
      if (!(t >= 0)) t = 1;
      dev.enableWatchdog(t, isAuto === undefined || !!isAuto);
    });
    this.def(E, "kickWatchdog", () => {
      this.enter();
      dev.kickWatchdog();
    });
    // https://www.espruino.com/Reference#l_E_reboot — a soft reset (NVIC_SystemReset): nothing after it runs.
    this.def(E, "reboot", () => {
      this.enter();
      dev.requestReboot("software");
      throw this.haltError("E.reboot()");
    });
    // https://www.espruino.com/Reference#l_E_getErrorFlags — returns and clears the flags.
    this.def(E, "getErrorFlags", () => {
      this.enter();
      const flags = dev.takeErrorFlags();
      return flags.length ? this.realm.fromHost(flags) : this.emptyArray();
    });
    // https://www.espruino.com/Reference#l_E_getBattery — only Puck.js (CUSTOM_GETBATTERY): (V - 2.2) / 0.6.
    if (board.name === "PUCKJS") {
      this.def(E, "getBattery", () => {
        this.enter();
        return Math.max(0, Math.min(100, Math.round(((dev.batteryVolts() - 2.2) * 100) / 0.6)));
      });
    }
    // https://www.espruino.com/Reference#l_E_getSizeOf — a rough estimate (JSON length / 12 variables).
    this.def(E, "getSizeOf", (v: unknown) => {
      this.enter();
      try {
        return Math.max(1, Math.ceil((JSON.stringify(v) ?? "").length / 12));
      } catch {
        return 1;
      }
    });
    this.def(E, "setTimeZone", () => this.enter());
    // https://www.espruino.com/Reference#l_E_getAddressOf — only the flash address of a string that
    // Storage.read returned on nRF52 (a memory-mapped native string) is modelled. The host build copies such
    // reads into RAM (measured on 2v29: 0 with flatAddress = true). Any other value gets a stand-in RAM address
    // (nonzero, in the nRF52's RAM range): the simulator has no variable addresses.
    this.def(E, "getAddressOf", (v: unknown) => {
      this.enter();
      if (typeof v === "string" && this.mapped.has(v)) return this.mapped.get(v);
      if (typeof v === "string" && board.name === "LINUX" && this.storageStrings.has(v)) return 0;
      return 0x20004000;
    });

    // process — https://www.espruino.com/Reference#process
    const proc = this.realm.fromHost({
      version: board.version,
      // Keys as 2v29 reports them (measured on the host build); sizes from the board files.
      env: {
        VERSION: board.version,
        BOARD: board.name,
        RAM: board.hasNrf ? 65536 : 0,
        FLASH: board.hasNrf ? 524288 : board.freePages * board.pageSize,
        STORAGE: board.storagePages * board.pageSize,
        SERIAL: board.hasNrf ? "c0ffee00-5eed0001" : "00000000-addeadde-addeadde",
        CONSOLE: board.hasNrf ? "Bluetooth" : "USB",
        MODULES: "Flash,Storage",
      },
    }) as Record<string, unknown>;
    this.processObj = proc;
    this.emitterMethods(proc);
    // NOT a measurement: a plausible figure from the board's variable count and the bundle's size.
    this.def(proc, "memory", () => {
      this.enter();
      const total = board.jsVars;
      const usage = Math.min(total, 200 + Math.round(dev.bundleSize / 14));
      return this.realm.fromHost({ free: total - usage, usage, total, history: 0, gc: 0, gctime: 0, blocksize: 14 });
    });
    g.process = proc;

    // require — only the Espruino modules; anything else warns and returns undefined as Espruino does.
    const flashModule = this.adopt(createFlashModule(dev.flash, board, {
      u8: (b) => new this.realm.Uint8Array(b),
      data: (v) => this.realm.fromHost(v),
      error: (m) => this.error(m),
      toBytes,
      enter: () => this.enter(),
    }));
    const storageModule = this.storageModule();
    this.def(g, "require", (name: unknown) => {
      this.enter();
      if (name === "Flash") return flashModule;
      if (name === "Storage") return storageModule;
      dev.print(`WARNING: Module "${String(name)}" not found`);
      return undefined;
    });

    // Puck — https://www.espruino.com/Reference#Puck
    if (board.name === "PUCKJS") {
      const P = this.realm.fromHost({}) as Record<string, unknown>;
      this.Puck = P;
      g.Puck = P;
      this.emitterMethods(P);
      this.def(P, "magOn", (hz?: unknown) => {
        this.enter();
        const r = hz === undefined ? 0.63 : Number(hz);
        if (!(r > 0)) throw this.error("Invalid data rate");
        this.startMag(r);
      });
      this.def(P, "magOff", () => {
        this.enter();
        this.stopMag();
      });
      this.def(P, "mag", () => {
        this.enter();
        return this.realm.fromHost(dev.magnet.read());
      });
      this.def(P, "getTemperature", () => {
        this.enter();
        return dev.temperature;
      });
    }

    // NRF — from the BLE part when attached; otherwise a stub that says so.
    if (board.hasNrf) g.NRF = dev.makeNrf(this);

    for (const o of [g, E, proc, con, this.Puck, flashModule, storageModule]) if (o) this.wrapAll(o);
  }

  private storageModule(): Record<string, unknown> {
    const s = this.storage;
    const wrap = <A extends unknown[], R>(f: (...a: A) => R) =>
      (...a: A): R => {
        this.enter();
        try {
          return f(...a);
        } catch (e) {
          if (e instanceof StorageError) throw this.error(e.message);
          throw e;
        }
      };
    const name = (n: unknown) => String(n);
    return Object.assign(this.realm.fromHost({}) as Record<string, unknown>, {
      // https://www.espruino.com/Reference#l_Storage_read
      read: wrap((n: unknown, offset?: unknown, length?: unknown) => {
        const r = s.readMapped(name(n), Number(offset) || 0, Number(length) || 0);
        if (!r) return undefined;
        const str = bytesToString(r.bytes);
        // On nRF52 the string is memory-mapped flash: remember where, for E.getAddressOf(str, true).
        if (this.device.board.hasNrf && r.addr) this.rememberMapped(str, r.addr);
        else if (this.storageStrings.size < 8) this.storageStrings.add(str);
        return str;
      }),
      readJSON: wrap((n: unknown, noExceptions?: unknown) => {
        const t = s.read(name(n));
        if (t === undefined) return undefined;
        try {
          return (this.realm.global.JSON as JSON).parse(t);
        } catch (e) {
          if (noExceptions) return undefined;
          throw e;
        }
      }),
      readArrayBuffer: wrap((n: unknown) => {
        const b = s.readBytes(name(n));
        return b && new this.realm.Uint8Array(b).buffer;
      }),
      // https://www.espruino.com/Reference#l_Storage_write — objects are written as JSON, whole.
      write: wrap((n: unknown, data: unknown, offset?: unknown, size?: unknown) => {
        let d = data;
        let off = Number(offset) || 0;
        let sz = Number(size) || 0;
        if (d !== null && typeof d === "object" && !Array.isArray(d) && !ArrayBuffer.isView(d) && Object.prototype.toString.call(d) !== "[object ArrayBuffer]") {
          d = JSON.stringify(d);
          off = 0;
          sz = 0;
        }
        return s.write(name(n), toBytes(d), off, sz);
      }),
      writeJSON: wrap((n: unknown, data: unknown) => s.write(name(n), toBytes(JSON.stringify(data)), 0, 0)),
      erase: wrap((n: unknown) => s.erase(name(n))),
      eraseAll: wrap(() => s.eraseAll()),
      list: wrap((re?: unknown) => {
        let l = s.list();
        if (re instanceof RegExp || Object.prototype.toString.call(re) === "[object RegExp]") l = l.filter((x) => (re as RegExp).test(x));
        else if (typeof re === "string") l = l.filter((x) => x.includes(re));
        return this.realm.fromHost(l);
      }),
      getFree: wrap(() => s.getFree()),
      getStats: wrap(() => this.realm.fromHost(s.stats())),
      compact: wrap(() => {
        s.compact(); // jswrap_storage_compact returns nothing
      }),
    });
  }

  private startMag(hz: number): void {
    this.stopMag();
    this.magHz = hz;
    this.device.emitActivity({ kind: "mag", hz });
    const period = 1 / hz;
    const tick = (at: number) => {
      this.magTimer = this.device.scheduleOwned(at, () => {
        if (this.disposed || this.magHz !== hz) return;
        tick(at + period);
        if (this.Puck) this.fire(this.Puck, "mag", [this.realm.fromHost(this.device.magnet.read())], "Puck.on('mag')");
      });
    };
    tick(this.device.clock.now() + period);
  }

  private stopMag(): void {
    if (this.magTimer) this.device.clock.cancel(this.magTimer);
    this.magTimer = 0;
    if (this.magHz) this.device.emitActivity({ kind: "mag", hz: 0 });
    this.magHz = 0;
  }

  /** Runs the bundle, then E's 'init' handlers (as Espruino does after loading saved code). */
  boot(script: vm.Script | null): void {
    this.apiCalls = 0;
    this.resetSteps.runInContext(this.context);
    try {
      script?.runInContext(this.context);
    } catch (e) {
      this.uncaught(e, "boot");
    }
    if (this.hangTripped) this.device.onHang("boot");
    this.device.emitActivity({ kind: "cpu", seconds: 0.05 + 0.00002 * this.apiCalls });
    this.device.afterCallback();
    if (!this.halted && this.device.running) this.fire(this.E, "init", [], "E.on('init')");
  }

  /** The JS heap goes away: timers, watches, sensors stop. */
  dispose(): void {
    this.disposed = true;
    for (const e of this.timers.values()) this.device.clock.cancel(e.clockId);
    this.timers.clear();
    this.watches.clear();
    this.stopMag();
  }

  /**
   * A clock for the BLE part whose timers belong to this boot: a reboot or power cut cancels them, and each
   * callback runs as a firmware callback (errors reported as Espruino does, promise jobs drained, CPU counted).
   */
  readonly bootClock: SimClock = {
    now: () => this.device.clock.now(),
    schedule: (at: number, cb: () => void) =>
      this.device.scheduleOwned(at, () => {
        if (!this.disposed) this.call(cb, [], "NRF event");
      }),
    cancel: (id: number) => this.device.clock.cancel(id),
  };

  /** Counts for tests and tools. */
  counts(): { timers: number; watches: number } {
    return { timers: [...this.timers.values()].filter((t) => t.kind !== "debounce").length, watches: this.watches.size };
  }

  /** Output pins currently driven high. */
  outputsOn(): string[] {
    return [...this.outputs.entries()].filter(([, v]) => v).map(([k]) => k);
  }

  outputLevel(pin: string): boolean {
    return this.outputs.get(pin) ?? false;
  }
}

/** console.log formatting close to Espruino's: strings raw, everything else JSON-like. */
export function formatValue(v: unknown): string {
  if (typeof v === "string") return v;
  if (v === undefined) return "undefined";
  if (typeof v === "function") return "function () { ... }";
  if (v && typeof v === "object") {
    if (ArrayBuffer.isView(v)) return `new ${Object.prototype.toString.call(v).slice(8, -1)}([${Array.prototype.join.call(v, ", ")}])`;
    const name = Object.prototype.toString.call(v);
    if (name === "[object Error]") {
      const e = v as Error;
      return `${e.name}: ${e.message}`;
    }
    try {
      return JSON.stringify(v);
    } catch {
      return String(v);
    }
  }
  return String(v);
}

export function describeError(e: unknown): string {
  if (e && typeof e === "object") {
    const o = e as { name?: unknown; message?: unknown; code?: unknown };
    if (Object.prototype.toString.call(e) === "[object Error]") return `${String(o.name)}: ${String(o.message)}`;
    return formatValue(e);
  }
  return String(e);
}
