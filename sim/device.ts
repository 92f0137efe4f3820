// A simulated pen cap: the Espruino interpreter's world (clock, pins, NOR flash, battery, temperature, magnet)
// running dist/firmware.js in a node:vm context. Boot = a fresh context; reboot = a fresh context over the same
// flash; power cut = everything stops (at an exact flash operation or at a time) until powerOn().
import { pretokenise } from "../scripts/gate/pretokenise.mjs";
import { readFileSync } from "node:fs";
import vm from "node:vm";
import { Battery } from "./battery.js";
import { boardProfile, DEFAULT_BOARD, type BoardName, type BoardPins, type BoardProfile } from "./boards.js";
import { VirtualClock, type SimClock } from "./clock.js";
import { NorFlash, PowerCutError, type PowerCutPlan } from "./flash/nor.js";
import { MagnetModel } from "./magnet.js";
import { EspruinoStorage } from "./storage.js";
import { crc32 } from "./bytes.js";
import { PREPARE } from "../scripts/flash/cfgfile.mjs";
import { describeError, EspruinoRuntime, type Realm } from "./runtime.js";
import { DEFAULT_HANG_STEPS } from "./hang-guard.js";
import { DEFAULT_MS_PER_UNIT } from "./cpu.js";

/** The activity trace the energy model reads (docs/architecture.md, "Simulator surface"). */
import type { Activity, ActivityListener } from "./energy/activity.js";
export type { Activity, ActivityListener };

/** Why the device (re)started. */
export type ResetReason = "power-on" | "watchdog" | "software" | "pin";

/** nRF52 POWER.RESETREAS bits (nRF52832 PS §18.8.3); a power-on reset reads as 0. */
export const RESETREAS = { RESETPIN: 0x1, DOG: 0x2, SREQ: 0x4, LOCKUP: 0x8 } as const;

export type LifecycleEvent =
  | { kind: "boot"; reason: ResetReason; bootCount: number }
  | { kind: "halt"; why: "reboot" | "watchdog" | "power-off" | "hung" | "brown-out"; detail?: string };

/** What the BLE part receives to build the NRF global of one boot. */
export interface NrfEnv {
  device: SimDevice;
  runtime: EspruinoRuntime;
  realm: Realm;
  /** The device's clock (timers survive reboots: for the phone's side). */
  clock: VirtualClock;
  /** This boot's clock: timers die with the boot and run as firmware callbacks (for the radio's events). */
  bootClock: SimClock;
  /** Runs a firmware callback (errors reported as Espruino does, CPU accounted). */
  call(fn: unknown, args: unknown[], label: string): unknown;
  /** To call at the start of every NRF method: refuses once the device is halting. */
  enter(): void;
  /** An Error in the firmware's realm. */
  error(message: string): Error;
  /** Reports an exception thrown by firmware code run outside call() ("Uncaught ..."). */
  uncaught(e: unknown, where: string): void;
  /** An ArrayBuffer in the firmware's realm (e.g. evt.data of a characteristic write). */
  arrayBuffer(bytes: Uint8Array): ArrayBuffer;
}
/** Builds the NRF object for one boot (called at every boot, after the context exists). */
export type NrfFactory = (env: NrfEnv) => object;

export interface SimDeviceOptions {
  board?: BoardName;
  /** Overrides the board's Flash.getFree() page count (an estimate, see sim/boards.ts). */
  freePages?: number;
  pins?: Partial<BoardPins>;
  /** The bundle's source; default: the file at bundlePath. */
  bundle?: string;
  /** Default dist/firmware.js (relative to the working directory). */
  bundlePath?: string;
  seed?: number;
  clock?: VirtualClock;
  nrf?: NrfFactory;
  /** Remove the built-ins Espruino 2v29 lacks from the context (default true). */
  strictLanguage?: boolean;
  /**
   * Write the bundle into Storage as ".bootcde" and boot from there, as flash.sh's upload does (default true):
   * it takes Storage space, and a firmware that erases it boots empty, as a real cap would.
   */
  installBundle?: boolean;
  /**
   * The hang guard (sim/hang-guard.ts): a firmware callback that takes more than this many steps (loop
   * iterations + function calls) never returns to the idle loop on the cap either: then the watchdog, if enabled,
   * resets the device after its timeout; without one the device stays hung until a power cycle. Default on
   * (DEFAULT_HANG_STEPS; true = the default, false or 0 = off). Deterministic: no host time is measured.
   */
  hangGuard?: boolean | number;
  /** Deprecated (the guard no longer measures host time): 0 turns the guard off, any other value leaves it on. */
  hangGuardMs?: number;
  /** Milliseconds of nRF52 CPU per unit of interpreter work (sim/cpu.ts; default its slow end, 0.25). */
  cpuMsPerUnit?: number;
}

export interface OutputLine {
  t: number;
  text: string;
}
export interface UncaughtError {
  t: number;
  boot: number;
  where: string;
  message: string;
  /** The firmware's process.on('uncaughtException') handler received it (nothing was printed). */
  handled: boolean;
}

interface Watchdog {
  timeoutS: number;
  auto: boolean;
  clockId: number;
  /** The clock callback of its expiry (made once, reused at every kick). */
  expire?: () => void;
}

/** The Storage file an upload writes the bundle to, and that Espruino runs at boot. */
export const BOOT_FILE = ".bootcde";

let tokenised: { code: string; bytes: Uint8Array } | null = null;
/**
 * The bytes flash.sh stores as .bootcde for a bundle: the bundle pretokenised by the Espruino CLI's own plugin
 * for a 2v29 device (`--config PRETOKENISE=1`: keywords, operators, strings and integers as byte tokens;
 * scripts/gate/pretokenise.mjs, docs/espruino-gate.md "Pretokenising"), or the plain text when the plugin is
 * not installed. An empty bundle is an empty file.
 */
export function bootCodeBytes(code: string): Uint8Array {
  if (!code) return new Uint8Array(0);
  if (tokenised && tokenised.code === code) return tokenised.bytes;
  const tok = pretokenise(code, "2v29");
  const bytes = new Uint8Array(tok === null ? Buffer.from(code, "utf8") : Buffer.from(tok, "latin1"));
  tokenised = { code, bytes };
  return bytes;
}

/** Brown-out level: the nRF52832's minimum supply, below which its brown-out reset holds the chip in reset
 *  (nRF52832 Product Specification v1.4, POWER chapter: VDD 1.7–3.6 V, "Brown-out reset"). */
export const BROWN_OUT_VOLTS = 1.7;
/** Current of the CPU running (mA) and of the NVMC during a write or erase (mA), as the load model below. */
const CPU_MA = 3;
const FLASH_MA = 4.5;
/** Seconds until a browned-out cap starts again once the load is gone (the cell recovers quickly). */
const BROWN_OUT_RECOVERY_SECONDS = 1;

/** Seconds a reboot takes before the bundle runs again (nRF52 start-up and SoftDevice init, roughly). */
export const REBOOT_SECONDS = 0.1;

export class SimDevice {
  readonly clock: VirtualClock;
  board: BoardProfile;
  flash: NorFlash;
  readonly battery = new Battery();
  readonly magnet: MagnetModel;
  /** Die temperature in °C (scenario-driven). */
  temperature = 22;
  readonly output: OutputLine[] = [];
  readonly errors: UncaughtError[] = [];
  runtime: EspruinoRuntime | null = null;
  /** Powered and booted. */
  running = false;
  bootCount = 0;
  lastResetReason: ResetReason = "power-on";
  bundleSize = 0;
  /** Boots that found Storage corrupt and erased it (jsfResetStorage). */
  storageResets = 0;
  /** Brown-out resets (the cell sagged below 1.7 V during a flash operation). */
  brownOuts = 0;
  private brownOutDetail: string | null = null;
  private bundle = "";
  private installBundle: boolean;
  /** The last boot code compiled (src: the code as compiled, instrumented and wrapped: runtime.bootSource). */
  private compiled: { src: string; script: vm.Script | null } | null = null;
  private timeOffset = 0;
  private epochs: Array<{ fromClock: number; offset: number; reason: "power-on" | "setTime" }> = [];
  private resetReas = 0;
  private watchdog: Watchdog | null = null;
  private inputs = new Map<string, boolean>();
  private analog = new Map<string, number>();
  private activityListeners: ActivityListener[] = [];
  private outputListeners: Array<(l: OutputLine) => void> = [];
  private errorListeners: Array<(e: UncaughtError) => void> = [];
  private lifecycleListeners: Array<(e: LifecycleEvent) => void> = [];
  private owned = new Set<number>();
  private pending: { kind: "reboot"; reason: ResetReason } | { kind: "power-off" } | null = null;
  private errorFlags = new Set<string>();
  private loads: Array<{ start: number; until: number; mA: number }> = [];
  private nrf: NrfFactory | null;
  private strict: boolean;
  private seed: number;
  private hangGuardSteps: number;
  /** Milliseconds of nRF52 CPU per unit of interpreter work (sim/cpu.ts); the bench sets it per run. */
  cpuMsPerUnit: number;

  constructor(opts: SimDeviceOptions = {}) {
    this.clock = opts.clock ?? new VirtualClock();
    this.seed = opts.seed ?? 1;
    this.magnet = new MagnetModel(this.seed * 7919 + 1);
    this.nrf = opts.nrf ?? null;
    this.strict = opts.strictLanguage ?? true;
    const guard = opts.hangGuard ?? (opts.hangGuardMs === 0 ? false : true);
    this.hangGuardSteps = guard === true ? DEFAULT_HANG_STEPS : guard === false ? 0 : Math.max(0, Math.floor(guard));
    this.cpuMsPerUnit = opts.cpuMsPerUnit ?? DEFAULT_MS_PER_UNIT;
    this.installBundle = opts.installBundle ?? true;
    this.board = boardProfile(opts.board ?? DEFAULT_BOARD, { freePages: opts.freePages, pins: opts.pins });
    this.flash = this.makeFlash(this.board);
    const src = opts.bundle ?? readFileSync(opts.bundlePath ?? "dist/firmware.js", "utf8");
    this.setBundle(src);
  }

  private makeFlash(b: BoardProfile): NorFlash {
    // One flash covering the Flash.getFree() pages and the Storage area (adjacent on nRF52, the same on LINUX).
    const start = Math.min(b.freeAddress, b.storageAddress);
    const end = Math.max(b.freeAddress + b.freePages * b.pageSize, b.storageAddress + b.storagePages * b.pageSize);
    const f = new NorFlash({ pageSize: b.pageSize, pageCount: (end - start) / b.pageSize, baseAddress: start, seed: this.seed });
    f.brownOut = (op) => this.brownOutCheck(op);
    // The device stops with its flash even when the operation ran outside a firmware callback the runtime
    // wraps (a BLE event the radio delivers directly) and the firmware caught the error: nothing runs after.
    f.onCut = () => {
      const id = this.clock.after(0, () => {
        this.owned.delete(id);
        if (this.running && !this.flash.powered) {
          if (this.runtime) this.runtime.halted = "power cut";
          this.print("[power lost]");
          this.powerOff();
        }
      });
      this.owned.add(id);
    };
    f.onOperation = (op, count) => {
      if (op === "write") {
        this.addLoad(0.000041 * count, 4.5); // nRF52832 PS: t_WRITE 41 µs per word at ~4.5 mA
        this.emitActivity({ kind: "flashWrite", words: count });
      } else if (op === "erase") {
        this.addLoad(0.085 * count, 4.5); // t_ERASEPAGE 85 ms
        this.emitActivity({ kind: "flashErase", pages: count });
        // jshFlashErasePages (targets/nrf5x/jshardware.c) kicks the watchdog after each page: "Erasing can take
        // a while, so kick the watchdog throughout".
        if (b.hasNrf) this.kickWatchdog();
      }
    };
    return f;
  }

  /** Uploads a bundle (as flash.sh does: into Storage as .bootcde); it runs at the next boot. */
  setBundle(code: string): void {
    this.bundle = code;
    this.bundleSize = code.length;
    if (this.installBundle) this.writeBootCode();
  }

  private storageView(): EspruinoStorage {
    return new EspruinoStorage(this.flash, this.board.storageAddress, this.board.storagePages);
  }

  private writeBootCode(): void {
    const st = this.storageView();
    const bytes = bootCodeBytes(this.bundle);
    const writes = this.flash.wordWrites;
    const erases = this.flash.erases;
    // flash.sh's session before the upload: the pre-allocated config file (scripts/flash/cfgfile.mjs).
    if (bytes.length) this.prepareConfigFile();
    try {
      if (bytes.length === 0) st.erase(BOOT_FILE);
      else st.write(BOOT_FILE, bytes);
    } catch (e) {
      throw new Error(
        `the bundle (${bytes.length} bytes) does not fit in ${this.board.name}'s Storage (${st.getFree()} bytes free of ${this.board.storagePages * this.board.pageSize}): a real upload would fail too (${e instanceof Error ? e.message : String(e)})`,
      );
    }
    // The upload happens before the cap's life starts: not part of its wear figures.
    this.flash.wordWrites = writes;
    this.flash.erases = erases;
  }

  /**
   * Writes a Storage file as flash.sh's upload does (e.g. the passkey, "pencap.key"): before the cap's life
   * starts, so not counted in the wear figures nor reachable by an armed power cut's count.
   */
  installFile(name: string, bytes: Uint8Array): void {
    const writes = this.flash.wordWrites;
    const erases = this.flash.erases;
    this.storageView().write(name, bytes);
    this.flash.wordWrites = writes;
    this.flash.erases = erases;
  }

  /**
   * Runs flash.sh's PREPARE text (scripts/flash/cfgfile.mjs) against this Storage, as flash.sh sends it with the
   * CLI's -e before every upload: creates, keeps, renews or migrates "pencap.cfg" (docs/config.md "In flash").
   * Flashing time: not counted in the wear figures. Returns its answer line ("PENCAP_CFGFILE created 0"...).
   */
  prepareConfigFile(): string {
    const st = this.storageView();
    const writes = this.flash.wordWrites;
    const erases = this.flash.erases;
    let out = "";
    const storage = {
      readArrayBuffer: (n: string) => {
        const b = st.readBytes(String(n));
        return b && b.slice().buffer;
      },
      read: (n: string) => st.read(String(n)),
      write: (n: string, d: Uint8Array, off: number, size: number) => st.write(String(n), new Uint8Array(d.buffer, d.byteOffset, d.length), off, size),
      erase: (n: string) => st.erase(String(n)),
    };
    vm.runInNewContext(PREPARE, {
      require: (m: string) => {
        if (m !== "Storage") throw new Error(`PREPARE: no module ${m}`);
        return storage;
      },
      E: { CRC32: (d: Uint8Array) => crc32(new Uint8Array(d.buffer, d.byteOffset, d.length)) },
      print: (...a: unknown[]) => (out += a.join(" ")),
      Uint8Array,
      DataView,
      JSON,
      isFinite,
    });
    this.flash.wordWrites = writes;
    this.flash.erases = erases;
    return out;
  }

  /** The code a boot runs: .bootcde from Storage (or the bundle as given when installBundle is off). */
  private bootScript(): vm.Script | null {
    let src = this.bundle;
    if (this.installBundle) {
      // .bootcde holds the bundle pretokenised, as flash.sh uploads it: run the bundle's text when the file is
      // intact, else what the file holds (a damaged file does not parse, as on the interpreter)
      const b = this.storageView().readBytes(BOOT_FILE);
      const want = bootCodeBytes(this.bundle);
      src = !b ? "" : Buffer.compare(Buffer.from(b), Buffer.from(want)) === 0 ? this.bundle : Buffer.from(b).toString("latin1");
    }
    const code = this.runtime ? this.runtime.bootSource(src) : src;
    if (!this.compiled || this.compiled.src !== code) {
      let script: vm.Script | null = null;
      try {
        script = new vm.Script(code, { filename: BOOT_FILE });
      } catch (e) {
        this.reportUncaught(e, "boot (compiling .bootcde)");
      }
      this.compiled = { src: code, script };
    }
    return this.compiled.script;
  }

  /** Switches board (only while powered off): a new, erased flash of that board's layout. */
  setBoard(name: BoardName, opts: { freePages?: number; pins?: Partial<BoardPins> } = {}): void {
    if (this.running) throw new Error("setBoard: power the device off first");
    this.board = boardProfile(name, opts);
    this.flash = this.makeFlash(this.board);
    if (this.installBundle) this.writeBootCode();
  }

  attachNrf(factory: NrfFactory | null): void {
    this.nrf = factory;
  }

  // ------------------------------------------------------------------------------------------- listeners

  onActivity(listener: ActivityListener): () => void {
    this.activityListeners.push(listener);
    return () => this.activityListeners.splice(this.activityListeners.indexOf(listener) >>> 0, 1);
  }
  onOutput(listener: (l: OutputLine) => void): () => void {
    this.outputListeners.push(listener);
    return () => this.outputListeners.splice(this.outputListeners.indexOf(listener) >>> 0, 1);
  }
  onError(listener: (e: UncaughtError) => void): () => void {
    this.errorListeners.push(listener);
    return () => this.errorListeners.splice(this.errorListeners.indexOf(listener) >>> 0, 1);
  }
  onLifecycle(listener: (e: LifecycleEvent) => void): () => void {
    this.lifecycleListeners.push(listener);
    return () => this.lifecycleListeners.splice(this.lifecycleListeners.indexOf(listener) >>> 0, 1);
  }

  /** The BLE part reports its radio activity here too. */
  emitActivity(a: Activity): void {
    if (a.kind === "radioPackets") this.addLoad(0.002 * a.count, 6);
    const t = this.clock.now();
    for (const l of this.activityListeners) l(t, a);
  }

  print(text: string): void {
    for (const line of text.split("\n")) {
      const l = { t: this.clock.now(), text: line };
      this.output.push(l);
      for (const f of this.outputListeners) f(l);
    }
  }

  /** Espruino prints "Uncaught ..." and carries on; the simulator also collects the error. */
  reportUncaught(e: unknown, where: string, handled = false): void {
    const message = describeError(e);
    if (handled) {
      this.recordError({ t: this.clock.now(), boot: this.bootCount, where, message, handled });
      return;
    }
    // The console line as Espruino 2v29 prints it (a thrown plain object shows as "[object Object]"); the
    // collected error keeps the detail.
    let shown: string;
    if (e && typeof e === "object" && Object.prototype.toString.call(e) === "[object Error]") shown = message;
    else {
      try {
        shown = String(e);
      } catch {
        shown = message;
      }
    }
    this.print(`Uncaught ${shown}`);
    this.recordError({ t: this.clock.now(), boot: this.bootCount, where, message, handled });
  }

  private recordError(err: UncaughtError): void {
    this.errors.push(err);
    for (const f of this.errorListeners) f(err);
  }

  // ------------------------------------------------------------------------------------------- lifecycle

  /** Power applied (battery inserted, or a cut ended): boots with reset reason "power-on". */
  powerOn(): void {
    if (this.running) return;
    if (!this.battery.present) throw new Error("powerOn: no battery");
    this.flash.powerOn();
    this.resetReas = 0;
    this.watchdog = null;
    this.timeOffset = -this.clock.now(); // RAM is lost: getTime() starts again from 0
    this.epochs.push({ fromClock: this.clock.now(), offset: this.timeOffset, reason: "power-on" });
    this.boot("power-on");
  }

  private boot(reason: ResetReason): void {
    this.pending = null;
    this.lastResetReason = reason;
    this.bootCount++;
    this.running = true;
    this.runtime = new EspruinoRuntime(this, this.strict, this.hangGuardSteps);
    for (const l of this.lifecycleListeners) l({ kind: "boot", reason, bootCount: this.bootCount });
    if (!this.checkStorage()) return;
    const script = this.bootScript();
    if (script) this.runtime.boot(script);
    else this.runtime.boot(null);
  }

  /**
   * What the interpreter does at every hardware reset before it loads any code (src/jsinteractive.c, jsiInit with
   * JSIS_FIRST_BOOT): a Storage area that does not parse (jsfIsStorageValid) is erased whole (jsfResetStorage),
   * .bootcde included. False when a power cut landed in that erase.
   */
  private checkStorage(): boolean {
    const st = this.storageView();
    try {
      if (st.isValid()) return true;
      this.print("Storage is corrupt.");
      this.print("Erasing Storage Area...");
      this.storageResets++;
      st.eraseAll();
      this.print("Erase complete.");
      return true;
    } catch (e) {
      if (!(e instanceof PowerCutError)) throw e;
      this.print("[power lost]");
      this.powerOff();
      return false;
    }
  }

  /**
   * A callback never returned (the hang guard stopped it). Nothing runs any more; the watchdog, if enabled,
   * resets the device once its timeout has passed without a kick (in auto mode, counted from now).
   */
  onHang(where: string): void {
    this.recordError({ t: this.clock.now(), boot: this.bootCount, where, message: "firmware hung: the callback never returned to the idle loop", handled: false });
    if (this.runtime) this.runtime.halted = "hung";
    const w = this.watchdog;
    this.halt("hung");
    this.running = true; // powered, but not responding
    if (w) {
      const due = w.clockId ? null : this.clock.now() + w.timeoutS; // manual mode: its timer is already armed
      if (due !== null) {
        w.clockId = this.clock.schedule(due, () => {
          w.clockId = 0;
          if (this.watchdog !== w) return;
          this.print("[watchdog reset]");
          this.running = true;
          this.rebootFromHang();
        });
      }
    }
  }

  private rebootFromHang(): void {
    this.resetReas |= RESETREAS.DOG;
    this.watchdog = null;
    this.running = false;
    this.scheduleBoot("watchdog");
  }

  /** Stops the current runtime (heap lost). */
  private halt(why: "reboot" | "watchdog" | "power-off" | "hung" | "brown-out", detail?: string): void {
    // GPIOs go back to inputs on any reset or power loss: LEDs and the buzzer go off.
    if (this.runtime) for (const pin of this.runtime.outputsOn()) this.outputChanged(pin, false);
    if (this.runtime) {
      this.runtime.halted = why;
      this.runtime.dispose();
    }
    for (const id of this.owned) this.clock.cancel(id);
    this.owned.clear();
    this.runtime = null;
    this.running = false;
    for (const l of this.lifecycleListeners) l(detail ? { kind: "halt", why, detail } : { kind: "halt", why });
  }

  /** A soft reset (E.reboot, or the reset pin): flash, time and a running watchdog survive. */
  reboot(reason: ResetReason = "software"): void {
    if (!this.running) return;
    this.halt(reason === "watchdog" ? "watchdog" : "reboot");
    this.resetReas |= reason === "watchdog" ? RESETREAS.DOG : reason === "pin" ? RESETREAS.RESETPIN : RESETREAS.SREQ;
    if (reason === "watchdog") this.watchdog = null; // a watchdog reset resets the watchdog itself
    else if (this.watchdog) {
      // The WDT keeps counting across a soft reset, and the new boot no longer auto-kicks it until
      // E.enableWatchdog is called again (jsiStatus is reset).
      this.watchdog.auto = false;
      this.armWatchdog();
    }
    this.scheduleBoot(reason);
  }

  private scheduleBoot(reason: ResetReason): void {
    const id = this.clock.after(REBOOT_SECONDS, () => {
      this.owned.delete(id);
      if (!this.running && this.flash.powered && this.battery.present) this.boot(reason);
    });
    this.owned.add(id);
  }

  /** Cuts the power now (between operations). */
  cutPower(): void {
    this.flash.cutPower();
    this.powerOff();
  }

  /** Arms a power cut at an exact future flash operation (NorFlash.cutPowerAt). */
  cutPowerAt(plan: PowerCutPlan): void {
    this.flash.cutPowerAt(plan);
  }

  private powerOff(): void {
    const bo = this.brownOutDetail;
    if (bo) {
      // The brown-out reset holds the chip until the cell recovers (the load is gone), then it starts again
      // with a power-on reset (RESETREAS reads 0 after a brown-out: nRF52832 PS §18.8.3).
      this.brownOutDetail = null;
      this.brownOuts++;
      if (this.running) this.halt("brown-out", bo);
      this.running = false;
      this.watchdog = null;
      if (this.flash.powered) this.flash.cutPower();
      this.scheduleBrownOutRecovery(BROWN_OUT_RECOVERY_SECONDS);
      return;
    }
    if (this.running) this.halt("power-off");
    this.running = false;
    this.watchdog = null;
    if (this.flash.powered) this.flash.cutPower();
  }

  /** Called by the runtime when a flash operation hit an armed power cut. */
  onFlashPowerCut(): void {
    if (this.runtime) this.runtime.halted = "power cut";
    this.pending = { kind: "power-off" };
  }

  requestReboot(reason: ResetReason): void {
    if (this.runtime) this.runtime.halted = `reboot (${reason})`;
    this.pending = { kind: "reboot", reason };
  }

  /** After every firmware callback: carry out a reboot or power-off it caused. */
  afterCallback(): void {
    if (!this.flash.powered && this.running) this.pending = { kind: "power-off" };
    const p = this.pending;
    if (!p) return;
    this.pending = null;
    if (p.kind === "power-off") {
      this.print("[power lost]");
      this.powerOff();
    } else {
      this.reboot(p.reason);
    }
  }

  /**
   * NorFlash.brownOut: the supply under the CPU's current plus this operation's sags below the brown-out level
   * (BROWN_OUT_VOLTS) — the chip resets in the middle of it, leaving it torn as a power cut does.
   * Only while the firmware runs (an upload is done on a bench supply). An erase draws the NVMC current the
   * load model uses (FLASH_MA) for 85 ms.
   */
  private brownOutCheck(op: "write" | "erase"): string | null {
    if (!this.running || !this.battery.present) return null;
    // A word write (41 µs at 4.5 mA: 0.18 µC) is carried by the supply's decoupling capacitance (a few µF dip by
    // tens of mV), so it only fails where the CPU itself cannot run; an erase (85 ms) is carried by the cell.
    const mA = op === "erase" ? CPU_MA + FLASH_MA : CPU_MA;
    const v = this.battery.volts(mA);
    if (v >= BROWN_OUT_VOLTS) return null;
    this.brownOutDetail = `supply ${v.toFixed(2)} V under ${mA} mA during a flash ${op === "erase" ? "page erase" : "word write"} (below ${BROWN_OUT_VOLTS} V)`;
    return this.brownOutDetail;
  }

  private scheduleBrownOutRecovery(after: number): void {
    const id = this.clock.after(after, () => {
      this.owned.delete(id);
      if (this.running || !this.battery.present) return;
      // The chip only starts when the cell carries the running CPU above the brown-out level.
      if (this.battery.volts(CPU_MA) < BROWN_OUT_VOLTS) {
        this.scheduleBrownOutRecovery(3600);
        return;
      }
      this.powerOn();
    });
    this.owned.add(id);
  }

  removeBattery(): void {
    this.battery.remove();
    this.powerOff();
  }

  insertBattery(soc = 1): void {
    this.battery.insert(soc);
    this.powerOn();
  }

  // ------------------------------------------------------------------------------------------- time

  /** getTime(): seconds since power-on unless setTime() moved it. */
  getTime(): number {
    return this.clock.now() + this.timeOffset;
  }

  setTime(t: number): void {
    if (!Number.isFinite(t)) return;
    this.timeOffset = t - this.clock.now();
    this.epochs.push({ fromClock: this.clock.now(), offset: this.timeOffset, reason: "setTime" });
  }

  /**
   * The history of the cap's clock: from clock time `fromClock` on, getTime() = clock.now() + offset (a power-on
   * restarts it at 0, setTime moves it). Lets a test or the app harness map a record's time back to scenario
   * time; a cap time can be ambiguous across epochs, which is why the log has BOOT and TIME_SET records.
   */
  timeEpochs(): ReadonlyArray<{ fromClock: number; offset: number; reason: "power-on" | "setTime" }> {
    return this.epochs;
  }

  /** Schedules a device-owned timer that a reboot or power cut cancels. */
  scheduleOwned(at: number, cb: () => void): number {
    const id = this.clock.schedule(at, () => {
      this.owned.delete(id);
      cb();
    });
    this.owned.add(id);
    return id;
  }

  // ------------------------------------------------------------------------------------------- watchdog

  enableWatchdog(timeoutS: number, auto: boolean): void {
    // On nRF52 the timeout (CRV) cannot change once the WDT runs; only the auto-kick mode does.
    if (!this.watchdog) this.watchdog = { timeoutS, auto, clockId: 0 };
    this.watchdog.auto = auto;
    this.armWatchdog();
  }

  kickWatchdog(): void {
    if (this.watchdog) this.armWatchdog();
  }

  private armWatchdog(): void {
    const w = this.watchdog!;
    if (w.clockId) this.clock.cancel(w.clockId);
    w.clockId = 0;
    // Auto mode is kicked by the idle loop, which every simulated callback returns to.
    if (w.auto) return;
    // One expiry callback per watchdog, re-armed at every kick (the firmware kicks it every health check).
    w.clockId = this.clock.after(
      w.timeoutS,
      (w.expire ??= () => {
        w.clockId = 0;
        if (this.watchdog !== w || !this.running) return;
        this.print("[watchdog reset]");
        this.reboot("watchdog");
      }),
    );
  }

  resetReasonRegister(): number {
    return this.resetReas >>> 0;
  }

  clearResetReasonBits(mask: number): void {
    this.resetReas = (this.resetReas & ~mask) >>> 0;
  }

  takeErrorFlags(): string[] {
    if (this.errorFlags.size === 0) return []; // the usual case, asked after every wake-up
    const f = [...this.errorFlags];
    this.errorFlags.clear();
    return f;
  }

  setErrorFlag(flag: string): void {
    this.errorFlags.add(flag);
  }

  // ------------------------------------------------------------------------------------------- pins & sensors

  /** Drives an input pin from outside (null = released/floating). Watches see the change. */
  setInput(pin: string, level: boolean | null): void {
    const before = this.runtime ? this.runtime.readPin(pin) : null;
    if (level === null) this.inputs.delete(pin);
    else this.inputs.set(pin, level);
    if (this.runtime && this.running && this.runtime.readPin(pin) !== before) this.runtime.inputChanged(pin);
  }

  inputLevel(pin: string, mode: string): boolean {
    const d = this.inputs.get(pin);
    if (d !== undefined) return d;
    return mode === "input_pullup" || mode === "opendrain_pullup";
  }

  setAnalog(pin: string, value: number): void {
    this.analog.set(pin, value);
  }

  analogLevel(pin: string): number {
    return this.analog.get(pin) ?? 0;
  }

  pinModeChanged(_pin: string): void {
    /* pull-ups do not create edges on driven pins; nothing to do */
  }

  /** The magnet near the sensor (cap on) or not: drives the hall switch or moves the magnet. */
  setCap(on: boolean, opts: { onDistanceMm?: number; offDistanceMm?: number } = {}): void {
    const hall = this.board.pins.hall;
    if (hall) this.setInput(hall, on ? this.board.pins.hallActiveLevel : !this.board.pins.hallActiveLevel);
    this.magnet.distanceMm = on ? (opts.onDistanceMm ?? 8) : (opts.offDistanceMm ?? 200);
  }

  /** Is the cap on, as the hall switch shows it (MDBT42Q) or from the magnet distance (Puck.js)? */
  capOn(): boolean {
    const hall = this.board.pins.hall;
    if (hall) return this.inputs.get(hall) === this.board.pins.hallActiveLevel;
    return this.magnet.distanceMm < 30;
  }

  /** Name for pin activities: LED1.., BUZZER, or the pin. */
  pinLabel(pin: string): string {
    const l = this.board.pins.labels[pin];
    if (l) return l;
    for (const [led, p] of Object.entries(this.board.pins.leds)) if (p === pin) return led;
    if (pin === this.board.pins.buzzer) return "BUZZER";
    return pin;
  }

  outputChanged(pin: string, on: boolean, _freq?: number): void {
    this.emitActivity({ kind: "pin", pin: this.pinLabel(pin), on });
  }

  outputLevel(pin: string): boolean {
    return this.runtime?.outputLevel(pin) ?? false;
  }

  // ------------------------------------------------------------------------------------------- battery

  /**
   * A burst of current (a flash write, a radio event). Virtual time stands still inside a callback, so bursts
   * reported together happen one after another on the real chip: each starts when the previous one ends.
   */
  private addLoad(seconds: number, mA: number): void {
    const now = this.clock.now();
    // Drop the bursts that are over, in place (a flash word write comes here: no new array each time).
    const loads = this.loads;
    let k = 0;
    for (let i = 0; i < loads.length; i++) if (loads[i].until > now) loads[k++] = loads[i];
    loads.length = k;
    const last = this.loads.length ? this.loads[this.loads.length - 1].until : now;
    const start = last > now ? last : now;
    if (this.loads.length < 64) this.loads.push({ start, until: start + seconds, mA });
  }

  /** Current drawn right now (mA): the CPU running JS plus recent radio/flash bursts. */
  loadMilliamps(): number {
    const now = this.clock.now();
    let mA = this.running ? 3 : 0; // nRF52 CPU running from flash with DC/DC, ~3 mA
    for (const l of this.loads) if (l.start <= now && l.until > now) mA += l.mA;
    return mA;
  }

  /** Supply voltage as NRF.getBattery() / E.getBattery() read it (sags under load). */
  batteryVolts(): number {
    return this.battery.volts(this.loadMilliamps());
  }

  // ------------------------------------------------------------------------------------------- NRF

  /** The NRF global of a boot: the BLE part's, or a stub that says BLE is not attached. */
  makeNrf(runtime: EspruinoRuntime): object {
    if (this.nrf) {
      const nrf = this.nrf({
        device: this,
        runtime,
        realm: runtime.realm,
        clock: this.clock,
        bootClock: runtime.bootClock,
        call: (fn, args, label) => runtime.call(fn, args, label),
        enter: () => runtime.enter(),
        error: (m) => runtime.error(m),
        uncaught: (e, where) => runtime.uncaught(e, where),
        arrayBuffer: (b) => new runtime.realm.Uint8Array(b).buffer as ArrayBuffer,
      });
      return runtime.adopt(nrf);
    }
    // https://www.espruino.com/Reference#l_NRF_getBattery — supply voltage; the rest needs sim/ble.
    const getBattery = runtime.wrap(() => {
      runtime.enter();
      return this.batteryVolts();
    });
    const stubs = new Map<string, unknown>();
    const member = runtime.wrap((prop: unknown) => {
      if (prop === "getBattery") return getBattery;
      if (typeof prop !== "string") return undefined;
      let f = stubs.get(prop);
      if (!f) {
        f = runtime.wrap(() => {
          throw runtime.error(`NRF.${prop}: BLE is not attached to this simulated device (sim/ble)`);
        });
        stubs.set(prop, f);
      }
      return f;
    });
    const makeProxy = runtime.realm.run("(function (member) { return new Proxy({}, { get: function (t, p) { return typeof p === 'string' ? member(p) : undefined; } }); })") as (
      m: unknown,
    ) => object;
    return makeProxy(member);
  }

  // ------------------------------------------------------------------------------------------- tools

  /** Runs code in the firmware's context as one callback (tests). Returns its value. */
  evaluate(code: string): unknown {
    if (!this.runtime) throw new Error("evaluate: device not running");
    return this.runtime.call(code, [], "evaluate");
  }

  /** Flash wear figures. */
  flashStats(): { pages: number; maxEraseCount: number; wordWrites: number; erases: number } {
    let max = 0;
    for (const c of this.flash.eraseCounts) if (c > max) max = c;
    return { pages: this.flash.pageCount, maxEraseCount: max, wordWrites: this.flash.wordWrites, erases: this.flash.erases };
  }
}
