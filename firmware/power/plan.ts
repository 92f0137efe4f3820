// The power plan: the firmware choices that earn the battery life, and what safe mode switches off.
// Each figure's cost in the energy model (sim/energy/model.ts, MDBT42Q) is in docs/power.md.

export interface PowerPlan {
  /** Advertising interval while nothing happened recently (ms). 1022.5 ms is one of Apple's
   *  recommended intervals (found by iOS background scans); ~6.2 uA at 0 dBm. */
  slowAdvertisingMs: number;
  /** Advertising interval while the pairing window is open (ms), 0 = slow then too. Nothing else makes
   *  advertising fast: a dose changes nothing a scanner sees (docs/protocol.md 4). */
  fastAdvertisingMs: number;
  /** TX power (dBm). 0 dBm reaches across a room; +4 dBm would cost ~40% more per advertising event. */
  txPowerDbm: number;
  /** Connection interval requested for a sync (ms): fast enough to move ~20 records in well under a
   *  second of connection events, and the cap disconnects when the sync is done. */
  syncConnectionIntervalMs: number;
  /** The cap drops a connection that made no request for this long (s): an open link costs 3 uC per
   *  connection event, 100 uA at 30 ms and still 3 uA at 1 s, more than everything else together. */
  idleDisconnectSeconds: number;
  /** Main housekeeping tick (s): heartbeat, battery reading, log maintenance, temperature when due. The
   *  same in both plans, because the health check expects a heartbeat at least this often. */
  tickSeconds: number;
  /** Temperature sampling period (s), a multiple of tickSeconds. */
  temperaturePeriodSeconds: number;
  /** Health check period (s): the only other timer; it kicks the watchdog when the main logic progressed. */
  healthCheckSeconds: number;
  /** Blink codes on the LED after a dose / on request. */
  blinkCodes: boolean;
  /** Buzzer (cap-left-off alert). */
  buzzer: boolean;
  /** Puck.js only: magnetometer sample rate (Hz) standing in for the hall switch: 2.5 Hz (34 uA) is the
   *  lowest Puck.magOn rate at which detection confirms a change with two samples within 1 s (the board
   *  profile's magHz, docs/detection.md). The dev kit pays for it in battery life (docs/power.md). */
  magnetometerHz: number;
}

export const NORMAL_PLAN: PowerPlan = {
  slowAdvertisingMs: 1022.5,
  fastAdvertisingMs: 211.25,
  txPowerDbm: 0,
  syncConnectionIntervalMs: 30,
  idleDisconnectSeconds: 30,
  tickSeconds: 600,
  temperaturePeriodSeconds: 600,
  healthCheckSeconds: 120,
  blinkCodes: true,
  buzzer: true,
  magnetometerHz: 2.5,
};

/** Safe mode keeps what records and serves doses (detection, the log, BLE with slow advertising) and
 *  switches off everything optional. Built when safe mode starts instead of kept as a constant: a plan is
 *  ~16 variables of RAM on the device, for a mode most caps never enter. */
export function safePlan(): PowerPlan {
  return {
    slowAdvertisingMs: 1022.5,
    fastAdvertisingMs: 0,
    txPowerDbm: 0,
    syncConnectionIntervalMs: 30,
    idleDisconnectSeconds: 30,
    tickSeconds: 600,
    temperaturePeriodSeconds: 3600,
    healthCheckSeconds: 120,
    blinkCodes: false,
    buzzer: false,
    magnetometerHz: 2.5,
  };
}

/** The safe plan as a value, for tests, the benchmark and the energy model. The firmware calls safePlan()
 *  and never names this, so the bundler leaves it out (the call is marked pure). */
export const SAFE_PLAN: PowerPlan = /* @__PURE__ */ safePlan();

export function planFor(safeMode: boolean): PowerPlan {
  return safeMode ? safePlan() : NORMAL_PLAN;
}

/** Watchdog timeout (s) for E.enableWatchdog(timeout, false). Longer than a health-check period plus the
 *  longest blocking job (a page erase is <0.1 s, a full sync a few s), short enough that a hung cap
 *  resumes recording within minutes. */
export const WATCHDOG_TIMEOUT_SECONDS = 300;
/** The health check stops kicking when the main logic's heartbeat has not moved for this long (s). The
 *  main logic bumps it on every event it handles and at the end of its housekeeping tick (tickSeconds =
 *  600 in both plans), so 2.5 ticks. */
export const HEARTBEAT_MAX_SILENCE_SECONDS = 1500;
