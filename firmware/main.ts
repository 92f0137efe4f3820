// Boot of the pen cap firmware: choose the board, mount the dose log, start the power supervisor, BLE and
// detection, and wire them: detection events -> log -> BLE status/advertising. The logic lives in the folders;
// this file only connects them (docs/architecture.md).
// First: the BLE console off before anything else runs (docs/protocol.md "Security").
import "./hw/console-off";
import { boardProfile } from "./boards/index";
import { DoseLog, PageStore } from "./log/log";
import { T_SEQ_SKIPPED, T_TIME_SET } from "./log/record";
import { openLogRegion } from "./hw/flash-store";
import { ramStore } from "./hw/ram-store";
import { StateArea, MARKER_TORN } from "./log/state";
import { startDetection, Detection } from "./hw/sensor";
import { IND_BLINK, IND_BUZZER, IND_DOUBLE_DOSE, IND_LEFT_OFF, IND_BATTERY, IND_TEMP, createIndicator } from "./hw/indicator";
import { isSessionType, T_DOSE, T_UNCERTAIN_DOSE, F_INTERRUPTED, T_CAP_LEFT_OFF, SIG_LEFT_OFF, SIG_TEMP, SIG_FAULT, SIG_BATTERY, SIG_TEMP_ALERT } from "./detect/codes";
import { stateSessionMarker } from "./hw/marker";
import { SessionMarker } from "./detect/reboot";
import { PowerSupervisor } from "./power/supervisor";
import { PowerPlan, NORMAL_PLAN } from "./power/plan";
import { eraseAllowed } from "./power/battery";
import { RESET_POWER_ON } from "./power/resilience";
import { kickWatchdog, takeErrorFlags, readResetReason } from "./hw/watchdog";
import { startBle, BleHandle, storageConfigStore } from "./hw/ble";
import { cfgLoad, cfgSave } from "./hw/cfg-file";
import { CfK } from "./config/cfgfile";
import { EngK } from "./ble/engine";
import { Config, decodeConfig, defaultConfig, validateConfig, CONFIG_SIZE, AL_CAP_LEFT_OFF, AL_DOUBLE_DOSE, AL_BATTERY, AL_TEMPERATURE, detectConfigFrom } from "./config/config";
import { errorNumber } from "./errors";

// Constants as a const enum: the bundler writes the values into the code, so they take no RAM on Espruino
// (a module-level constant costs about one variable each).
const FIRMWARE_VERSION = "0.1.0";
const MODEL = "PenCap-1";
const enum K {
  /** Record type of a log corruption report (docs/architecture.md). */
  T_LOG_CORRUPTION = 0x0b,
  /** BOOT record (a = reset reason) and the reasons after which the clock starts again from 0
   *  (firmware/power/resilience.ts RESET_*; power-on is imported). */
  T_BOOT = 0x07,
  RESET_WAKE = 5,
  RESET_UNKNOWN = 15,
  /** Record times at or above this are Unix time (docs/architecture.md, Time). */
  WALL_MIN = 946684800,
  /** Status alert bits (docs/protocol.md, Status). */
  ALERT_LEFT_OFF = 1,
  ALERT_TEMPERATURE = 2,
  ALERT_BATTERY = 4,
  ALERT_LOG = 8,
  /** No flash region for the log (a stock interpreter): records are kept in RAM until the next reset. */
  ALERT_NO_FLASH_LOG = 16,
  /** Pairing gesture: this many cap removals within GESTURE_S seconds (docs/protocol.md, pairing). */
  GESTURE_CLICKS = 5,
  GESTURE_S = 6,
  /** Place codes for ERROR records: which callback was running when an exception escaped. */
  PLACE_BOOT = 1,
  PLACE_DETECT = 2,
  PLACE_TICK = 3,
  PLACE_BLE = 4,
  PLACE_HEALTH = 5,
  /** After a callback main.ts owns has returned: whatever runs next is a callback it does not own (a BLE
   *  event, detection's sensor timer), unless it marks itself. */
  PLACE_OTHER = 6,
  /** A cap that cannot record shows the fault pattern this often (docs/detection.md, "A cap that cannot record"). */
  FAULT_REPEAT_MS = 60000,
  // Slots a housekeeping tick checks of those a sync read (DoseLog.verifyRead): ~0.2 s of CPU at the slow end
  // of sim/cpu.ts's factor; the 1,000 records of a first sync are checked within 3 hours.
  VERIFY_PER_TICK = 64,
}

let place = K.PLACE_BOOT;
/** This boot's reset reason (the register is cleared when read): -1 until boot() read it. */
let bootReason = -1;
let log: DoseLog = undefined as unknown as DoseLog; // set by boot(); a RAM log when boot failed before it
/** The per-event state (session marker, crash history) in the log region: never a Storage file. */
let state: StateArea;
let power: PowerSupervisor = undefined as unknown as PowerSupervisor; // set by boot()
let ble: BleHandle | null = null;
let detection: Detection | null = null;
let alerts = 0;
let config: Config;
let appendFailures = 0;
let marker: SessionMarker;
/** Bad slots already reported by a LOG_CORRUPTION record since this boot. */
let badReported = 0;
const removals = new Float64Array(K.GESTURE_CLICKS);
let removalCount = 0;

/**
 * Records the log refused (type, flags, time, a, b each), oldest first, to append again: a flash write that
 * failed once must not lose a dose. Retried before any newer record, at a removal and every housekeeping tick.
 * Four slots: a flash that fails longer than four records is broken, and the log alert says so.
 */
const retry = new Uint32Array(4 * 5);
let retryCount = 0;

/**
 * Appends one record (after any still waiting to be retried, so the log keeps their order); the BLE side
 * learns of it. type < 0 only retries. Returns the seq, or -1 when the log refused (a flash write that does
 * not verify, say): the record is kept for a retry, the failure raises the log alert and is counted, never
 * thrown into the caller's event handling.
 */
function record(type: number, flags: number, time: number, a: number, b: number): number {
  let seq = -1;
  try {
    while (retryCount > 0) {
      seq = log.append(retry[0], retry[1], retry[2], retry[3], retry[4]);
      const done = retry[0];
      retry.set(retry.subarray(5), 0); // (copyWithin is missing on Espruino 2v29)
      retryCount--;
      // The session marker still stands for the retried session unless a new one is open (cap off now).
      if (isSessionType(done) && detection && detection.detector.capOn) clearMarker();
    }
    if (type >= 0) seq = log.append(type, flags, time, a, b);
  } catch (e: any) {
    appendFailures++;
    console.log("pencap: log append failed: " + (e && e.code ? e.code + " " + e.message : e));
    setAlert(K.ALERT_LOG, true);
    // A record the log finds invalid would fail again: only a failed write is retried.
    if (type >= 0 && !(e && e.code === "LOG_ARG") && retryCount < 4) {
      retry.set([type, flags, time, a, b], retryCount * 5);
      retryCount++;
    }
    return -1;
  }
  if (ble && seq >= 0) {
    try {
      ble.update(EngK.UPD_RECORD, 0);
    } catch (e: any) {
      // BLE only mirrors what was recorded: an error there (NRF.setAdvertising throws) must not cut detection's
      // event handling short. Not sent to the crash handler, which records through here again.
      console.log("pencap: BLE update failed: " + (e && e.message ? e.message : e));
    }
  }
  return seq;
}

/** Clears the session marker; a state area that will not write shows as the log alert (not a crash). */
function clearMarker(): void {
  try {
    marker.clear();
  } catch (e) {
    // The marker is a state record, whose page change throws on a weak battery (or a write that does not
    // verify): the session is still recorded and the wiring carries on (not a crash); the trouble shows as the
    // log alert.
    console.log("pencap: session marker write failed");
    setAlert(K.ALERT_LOG, true);
  }
}

function setAlert(bit: number, on: boolean): void {
  const next = on ? alerts | bit : alerts & ~bit;
  if (next === alerts) return;
  alerts = next;
  if (ble) {
    try {
      ble.update(EngK.UPD_ALERTS, alerts);
    } catch (e: any) {
      // BLE only mirrors what was recorded: an error there (NRF.setAdvertising throws) must not cut detection's
      // event handling short. Not sent to the crash handler, which records through here again.
      console.log("pencap: BLE update failed: " + (e && e.message ? e.message : e));
    }
  }
}


/** The config in force when BLE is absent (host build): the stored one if valid, else defaults. */
function storedConfig(): Config {
  const buf = new Uint8Array(CONFIG_SIZE);
  const stored = storageConfigStore().load();
  if (stored && stored.length === CONFIG_SIZE && validateConfig(stored) < 0) buf.set(stored);
  else defaultConfig(buf);
  return decodeConfig(buf);
}


/**
 * Scans the newest records once at boot: the last dose time on this boot's clock and whether a session
 * followed the marker. The clock survives a soft, pin, watchdog or lockup reset (nRF52: Espruino keeps its
 * RTC base in .noinit RAM, targets/nrf5x/jshardware.c jshInit/jshGetSystemTime), so a relative dose time stays
 * comparable until a BOOT whose reason restarted the clock; a TIME_SET moves it with the clock.
 */
function scanLog(markerSeq: number): { lastDoseT: number; sessionAfterMarker: boolean } {
  const out = new Uint8Array(16);
  const dv = new DataView(out.buffer);
  let last = -1;
  let sessionAfterMarker = false;
  const newest = log.newestSeq();
  let seq = newest - 300;
  if (seq < log.oldestSeq()) seq = log.oldestSeq();
  if (markerSeq >= -1 && markerSeq + 1 < seq) seq = markerSeq + 1;
  while (newest >= 0 && seq >= 0 && seq <= newest) {
    const s = log.readFrom(seq, out);
    if (s < 0) break;
    const type = out[8];
    const t = dv.getUint32(4, true);
    const a = dv.getUint16(10, true);
    // As the state machine keeps it: the end of a DOSE or of an interrupted UNCERTAIN_DOSE, the removal for
    // a cap left off.
    if (type === T_DOSE || type === T_UNCERTAIN_DOSE) last = type === T_DOSE || out[9] & F_INTERRUPTED ? t + a : t;
    else if (type === T_TIME_SET && last >= 0) {
      // a | b << 16 is the clock before the set: a time on that clock moves with it; a wall time stays.
      const prev = (a | (dv.getUint16(12, true) << 16)) >>> 0;
      if (last >= K.WALL_MIN === prev >= K.WALL_MIN) last += t - prev;
      else if (last < K.WALL_MIN) last = -1;
    } else if (type === K.T_BOOT && last < K.WALL_MIN && (a === RESET_POWER_ON || a === K.RESET_WAKE || a === K.RESET_UNKNOWN)) last = -1;
    if (isSessionType(type) && s > markerSeq) sessionAfterMarker = true;
    seq = s + 1;
  }
  // Comparable only on the same kind of clock: a wall time while this boot's clock is still relative is not.
  return { lastDoseT: last >= K.WALL_MIN === getTime() >= K.WALL_MIN ? last : -1, sessionAfterMarker: sessionAfterMarker };
}

function housekeeping(): void {
  place = K.PLACE_TICK;
  if (retryCount > 0) record(-1, 0, 0, 0, 0);
  const s = power.batteryTick();
  if (ble && s.percent !== 0xff) ble.update(EngK.UPD_BATTERY, s.percent);
  setAlert(K.ALERT_BATTERY, s.low);
  // No erase from any path on a weak cell (appends and state changes included): docs/power.md.
  log.eraseAllowed = s.eraseAllowed;
  state.eraseAllowed = s.eraseAllowed;
  if (s.eraseAllowed) {
    try {
      log.maintain();
    } catch (e: any) {
      // A page that will not erase is not cured by a reboot: report it and keep the heartbeat (docs/power.md).
      console.log("pencap: log maintenance failed: " + (e && e.code ? e.code + " " + e.message : e));
      setAlert(K.ALERT_LOG, true);
    }
  }
  // Corruption met by reads (a sync) after mount: the slots the sync handed out unchecked are checked here,
  // a tick's share at a time; one LOG_CORRUPTION per tick that found more, a = 0xFFFF (the page is not known
  // here), b = the newly seen bad slots (docs/log-format.md "Recovery").
  try {
    log.verifyRead(K.VERIFY_PER_TICK);
  } catch (e) {
    setAlert(K.ALERT_LOG, true); // the log could not be read back: the same alert as a corrupt slot
  }
  const bad = log.badSeen;
  if (bad > badReported) {
    record(K.T_LOG_CORRUPTION, 0, Math.floor(getTime()), 0xffff, Math.min(0xffff, bad - badReported));
    badReported = bad;
    setAlert(K.ALERT_LOG, true);
  }
  power.heartbeat();
  place = K.PLACE_OTHER;
}

function applyPlan(plan: PowerPlan, safe: boolean): void {
  if (ble) ble.setPlan(plan);
  if (detection) {
    // Which indicator outputs may play: the power plan (safe mode) and the config's alert switches (the same
    // expression in applyConfig; a helper would cost RAM on Espruino).
    detection.indicator.mask = (
      (plan.blinkCodes ? IND_BLINK : 0) |
        (plan.buzzer ? IND_BUZZER : 0) |
        (config.alerts & AL_DOUBLE_DOSE ? IND_DOUBLE_DOSE : 0) |
        (config.alerts & AL_CAP_LEFT_OFF ? IND_LEFT_OFF : 0) |
        (config.alerts & AL_BATTERY ? IND_BATTERY : 0) |
        (config.alerts & AL_TEMPERATURE ? IND_TEMP : 0)
    );
    // Safe mode samples hourly (docs/power.md); the machine reads the period at its next sample.
    detection.detector.cfg.tempPeriodS = plan.temperaturePeriodSeconds;
  }
  if (safe) console.log("pencap: safe mode");
}

/** A new config from the app: detection reads its thresholds live (the machine keeps the object). */
function applyConfig(c: Config): void {
  config = c;
  if (detection) {
    // Detection thresholds from the config (docs/config.md); the temperature period from the power plan.
    const d = detectConfigFrom(c);
    d.tempPeriodS = power.plan.temperaturePeriodSeconds;
    // Typed (not `any`) so that the build may shorten DetectConfig's names: a long name costs RAM per field.
    const live = detection.detector.cfg;
    for (const k in d) (live as any)[k] = (d as any)[k];
    detection.timeChanged(0); // re-arms the machine's deadline under the new thresholds
    detection.indicator.mask = (
      (power.plan.blinkCodes ? IND_BLINK : 0) |
        (power.plan.buzzer ? IND_BUZZER : 0) |
        (config.alerts & AL_DOUBLE_DOSE ? IND_DOUBLE_DOSE : 0) |
        (config.alerts & AL_CAP_LEFT_OFF ? IND_LEFT_OFF : 0) |
        (config.alerts & AL_BATTERY ? IND_BATTERY : 0) |
        (config.alerts & AL_TEMPERATURE ? IND_TEMP : 0)
    );
  }
}

/** Starts BLE (boot, and a boot that failed: the app must be able to read why). Errors are the crash policy's. */
function startRadio(powerOnReset: boolean): void {
  place = K.PLACE_BLE;
  try {
    ble = startBle({
      log: log,
      // "aa:bb:cc:dd:ee:ff" (2v29); anything after a space (an address type) is not part of the serial.
      serial: NRF.getAddress().split(" ")[0].split(":").join("").toUpperCase(),
      firmware: FIRMWARE_VERSION,
      model: MODEL,
      powerOnReset: powerOnReset,
      plan: power ? power.plan : NORMAL_PLAN,
      onConfig: applyConfig,
      onTimeChanged: function (delta: number) {
        if (power) power.timeShift(delta);
        // The gesture's removal times too: a clock set back must not make old removals look recent.
        for (let i = 0; i < K.GESTURE_CLICKS; i++) removals[i] += delta;
        if (detection) detection.timeChanged(delta);
      },
    });
    ble.update(EngK.UPD_ALERTS, alerts);
  } catch (e: any) {
    // Without BLE the cap still records; the error is logged and the watchdog policy applies.
    if (power) power.onUncaught(e && e.code ? errorNumber(e.code) : 1, K.PLACE_BLE, getTime());
  }
}

/**
 * The fault pattern now (with beeps), then every minute on the LED, until re-flashed or serviced
 * (docs/detection.md, "A cap that cannot record"). The same timer feeds the watchdog when the supervisor
 * started it: a cap that cannot do its job says so and stays reachable, it never resets in a silent loop.
 */
function showFault(): void {
  const fault = detection ? detection.indicator : createIndicator(boardProfile(process.env.BOARD));
  fault.signal(SIG_FAULT, 1);
  setInterval(function () {
    fault.signal(SIG_FAULT, 0);
    if (power) {
      power.heartbeat();
      power.healthTick(getTime());
    }
  }, K.FAULT_REPEAT_MS);
}

function boot(): void {
  const board = boardProfile(process.env.BOARD);
  // (One-caller steps are written out in boot(): each function costs RAM on Espruino.)
  // The log region: raw flash pages from Flash.getFree(), the state area at the top and the log below it
  // (docs/log-format.md "Where the log lives"). Nothing per event ever goes to Storage.
  let stores: PageStore[] | null;
  if (board.name === "LINUX") {
    // The host build's Storage and Flash.getFree() are the same 256 KiB: Storage must hold a file at its
    // start before raw pages are written at the top, or its boot check wipes the area (docs/log-format.md).
    if (require("Storage").read("pencap.id") === undefined) require("Storage").write("pencap.id", "pencap");
    stores = openLogRegion(4, 16);
  } else {
    stores = openLogRegion(3, 32);
  }
  if (!stores) {
    // A stock interpreter leaves no free pages: the log and the state in RAM until the next reset, so the cap
    // still records and serves what it can, shows the fault pattern and tells the app (Status alert bit 4).
    console.log("pencap: no flash region for the log (this interpreter leaves too few free pages): records kept in RAM until reset");
    stores = [ramStore(256, 3), ramStore(256, 2)];
    alerts |= K.ALERT_NO_FLASH_LOG;
  }
  // The battery before any flash work: a weak cell must not start an erase, from boot on (docs/power.md).
  const eraseOk = eraseAllowed(board.ble ? NRF.getBattery() : NaN);
  state = new StateArea(stores[1], 0);
  state.eraseAllowed = eraseOk;
  state.mount();
  const dl = new DoseLog(stores[0]);
  dl.eraseAllowed = eraseOk;
  stores = null;
  // mount and scan are dropped after use: boot()'s scope stays alive (the callbacks below keep it).
  let mount: any = dl.mount();
  log = dl; // only once mounted: a boot that fails in mount() falls back to a RAM log (the catch at the end)
  // A removal's marker commit torn by a power cut: the session opened then; nothing went into the log after it.
  if (state.marker === MARKER_TORN) state.marker = log.newestSeq() + 2;
  // Seqs a power cut left incomplete are named first, before anything else is appended (docs/log-format.md).
  if (mount.skippedCount > 0) {
    record(T_SEQ_SKIPPED, 0, Math.floor(getTime()), mount.skippedFrom & 0xffff, Math.min(mount.skippedCount, 0xffff));
  }

  const resetReason = (bootReason = readResetReason());
  power = new PowerSupervisor(
    {
      kick: kickWatchdog,
      takeErrorFlags: takeErrorFlags,
      batteryVolts: function () {
        return board.ble ? NRF.getBattery() : NaN;
      },
    },
    state,
    function (type: number, a: number, b: number) {
      record(type, 0, Math.floor(getTime()), a, b);
    },
    applyPlan
  );
  power.boot(resetReason, getTime());
  if (mount.corruptPage >= 0) {
    record(K.T_LOG_CORRUPTION, 0, Math.floor(getTime()), mount.corruptPage, Math.min(0xffff, mount.badSlots + mount.damagedPages));
    alerts |= K.ALERT_LOG;
  }
  mount = null;

  config = storedConfig();
  marker = stateSessionMarker(state);
  const markerSeq = marker.read();
  let scan: any = scanLog(markerSeq);
  // Puck.js: the magnetometer baseline of the first calibration, kept across boots (docs/detection.md, Baseline):
  // a boot with the cap on must not take the magnet's field for "no magnet".
  // Its slot in pencap.cfg (firmware/config/cfgfile.ts: x y z float32). flash.sh moved the JSON file
  // "pencap.mag" of an older flash.sh into that slot.
  let magBaseline: any = null;
  const mb = board.sensor === "mag" ? cfgLoad(CfK.KIND_MAG) : undefined;
  if (mb) {
    const dv = new DataView(mb.buffer, mb.byteOffset, CfK.PAYLOAD);
    magBaseline = [dv.getFloat32(4, true), dv.getFloat32(8, true), dv.getFloat32(12, true)];
  }
  // Detection first: whatever else fails, doses are still recorded.
  const dc = detectConfigFrom(config); // the thresholds (docs/config.md); the temperature period: power plan
  dc.tempPeriodS = power.plan.temperaturePeriodSeconds;
  detection = startDetection(
    board,
    dc,
    {
      event: function (type: number, flags: number, t0: number, t1: number, a: number, b: number) {
        place = K.PLACE_DETECT;
        const seq = record(type, flags, Math.floor(t0), a, b);
        if (isSessionType(type)) {
          // The marker is kept when the append failed: the next boot records the session as interrupted.
          if (seq >= 0) clearMarker();
          setAlert(K.ALERT_LEFT_OFF, false);
        }
        if (type === T_CAP_LEFT_OFF) setAlert(K.ALERT_LEFT_OFF, true);
        power.heartbeat();
        place = K.PLACE_OTHER;
      },
      signal: function (code: number, arg: number) {
        if (code === SIG_LEFT_OFF) setAlert(K.ALERT_LEFT_OFF, true);
        // Set while an excursion is in progress (arg 1 hot / 2 cold), cleared when it ends (arg 0); the
        // TEMP_EXCURSION record keeps the history.
        if (code === SIG_TEMP) setAlert(K.ALERT_TEMPERATURE, arg !== 0);
      },
      cap: function (on: boolean, t: number) {
        place = K.PLACE_DETECT;
        if (!on) {
          // A session record still waiting for a retry goes in before the new session opens.
          if (retryCount > 0) record(-1, 0, 0, 0, 0);
          try {
            marker.write(log.newestSeq());
          } catch (e) {
            console.log("pencap: session marker write failed"); // (as in event above)
            setAlert(K.ALERT_LOG, true);
          }
          // What the patient should know when picking up the pen (after the blink code): a low battery, insulin
          // out of its temperature range (docs/detection.md, "Care signals"). The indicator's mask applies the
          // config's AL_BATTERY / AL_TEMPERATURE switches.
          if (detection) {
            if (alerts & K.ALERT_BATTERY) detection.indicator.signal(SIG_BATTERY, 0);
            if (alerts & K.ALERT_TEMPERATURE) detection.indicator.signal(SIG_TEMP_ALERT, 0);
          }
          // the pairing gesture: GESTURE_CLICKS removals within GESTURE_S seconds
          removals[removalCount % K.GESTURE_CLICKS] = t;
          removalCount++;
          if (removalCount >= K.GESTURE_CLICKS && t - removals[removalCount % K.GESTURE_CLICKS] <= K.GESTURE_S) {
            if (ble) ble.openPairingWindow();
            removalCount = 0;
          }
        }
        power.heartbeat();
        place = K.PLACE_OTHER;
      },
    },
    { markerSeq: markerSeq, sessionLoggedAfterMarker: scan.sessionAfterMarker, magBaseline: magBaseline, lastDoseT: scan.lastDoseT }
  );
  scan = null;
  if (board.sensor === "mag" && !magBaseline) {
    try {
      // The session open at a calibration is untracked (no record at recap): it must not leave a marker that
      // a later boot with the cap on would turn into an interrupted dose.
      marker.clear();
      // Written once (the first calibration), as a slot of the pre-allocated pencap.cfg: never a new Storage
      // file (docs/log-format.md "No Storage churn in the field"). No file or no room: calibrated at each boot.
      const m = new Uint8Array(CfK.PAYLOAD);
      const dv = new DataView(m.buffer);
      m[0] = CfK.KIND_MAG;
      dv.setFloat32(4, detection.detector.bx, true);
      dv.setFloat32(8, detection.detector.by, true);
      dv.setFloat32(12, detection.detector.bz, true);
      cfgSave(m);
    } catch (e) {
      console.log("pencap: magnetometer baseline not saved");
    }
  }

  if (board.ble) startRadio(resetReason === RESET_POWER_ON);
  applyPlan(power.plan, power.safeMode);

  setInterval(function () {
    place = K.PLACE_HEALTH;
    power.healthTick(getTime());
    place = K.PLACE_OTHER;
  }, power.plan.healthCheckSeconds * 1000);
  setInterval(housekeeping, power.plan.tickSeconds * 1000);
  housekeeping();
  place = K.PLACE_OTHER;
  console.log("pencap: boot on " + board.name + ", log " + log.count() + " records, next seq " + log.stats().nextSeq);
  if (alerts & K.ALERT_NO_FLASH_LOG) showFault();
}

// The single uncaught-exception handler: Espruino then stops printing and clears the exception.
process.on("uncaughtException", function (e: any) {
  const code = e && typeof e.code === "string" ? errorNumber(e.code) : 1;
  console.log("pencap: error " + (e && e.code ? e.code + " " + e.message : e));
  if (power) power.onUncaught(code, place, getTime());
});

try {
  boot();
} catch (e: any) {
  // A boot that failed anywhere (an unknown board, a log that cannot be mounted, a bug): say why, record it if
  // the log is there, keep or start BLE with the log alert so that the app can read the fault, and show the
  // fault pattern (docs/detection.md, "A cap that cannot record").
  console.log("pencap: FATAL " + (e && e.code ? e.code + ": " + e.message : e));
  alerts |= K.ALERT_LOG;
  try {
    if (!log) {
      log = new DoseLog(ramStore(256, 3));
      log.mount();
      alerts |= K.ALERT_NO_FLASH_LOG;
    }
    // The ERROR record (through the supervisor's rate limit when it runs): what the app shows as the reason.
    if (power) power.onUncaught(e && e.code ? errorNumber(e.code) : 1, place, getTime());
    else record(0x0a, 0, Math.floor(getTime()), e && e.code ? errorNumber(e.code) : 1, place);
    const b = ble as BleHandle | null;
    if (b) b.update(EngK.UPD_ALERTS, alerts);
    else if (boardProfile(process.env.BOARD).ble) startRadio(bootReason === RESET_POWER_ON);
  } catch (e2) {
    console.log("pencap: BLE not started after the failed boot");
  }
  try {
    showFault();
  } catch (e2) {
    // an unknown board: no pins to show it on
  }
}
