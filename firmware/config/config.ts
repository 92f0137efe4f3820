// The cap's configuration: a fixed 28-byte little-endian block (docs/config.md), its defaults, validation
// and CRC. Pure: persistence is behind ConfigStore (firmware/ble/ports.ts), wired in firmware/hw/ble.ts.
// Dependency direction: config imports detect (detectConfigFrom), detect never imports config.
import { wr16 } from "../ble/bytes";
import { DetectConfig, defaultDetectConfig, doubleDoseWindowFor } from "../detect/config";

/** Constants as a const enum: esbuild inlines them, so none costs a variable on the cap (each exported
 *  name below is an alias kept for tests and the client). */
export const enum CfgK {
  CONFIG_SIZE = 28,
  CONFIG_VERSION = 1,
  CF_VERSION = 0,
  CF_INSULIN = 1,
  CF_ALERTS = 2,
  CF_CAP_CHECK_MAX_S = 3,
  CF_PRIMING_WINDOW_S = 4,
  CF_TEMP_LOW = 5,
  CF_TEMP_HIGH = 6,
  CF_RESERVED = 7,
  CF_DOUBLE_DOSE_MIN = 8,
  CF_CAP_LEFT_OFF_S = 10,
  CF_NAME = 12,
  CF_NAME_LEN = 16,
  AL_CAP_LEFT_OFF = 1,
  AL_TEMPERATURE = 2,
  AL_DOUBLE_DOSE = 4,
  AL_BATTERY = 8,
  AL_ALL = 15,
  WR_OK = 0x00,
  WR_BAD_LENGTH = 0x01,
  WR_BAD_VERSION = 0x02,
  WR_OUT_OF_RANGE = 0x03,
  WR_NOT_STORED = 0x04,
  WR_LOG_FAILED = 0x05,
  WR_NONE = 0xff, // no write since the link came up
}

export const CONFIG_SIZE: number = CfgK.CONFIG_SIZE;
export const CONFIG_VERSION: number = CfgK.CONFIG_VERSION;

// Byte offsets (docs/config.md).
export const CF_VERSION: number = CfgK.CF_VERSION;
export const CF_INSULIN: number = CfgK.CF_INSULIN;
export const CF_ALERTS: number = CfgK.CF_ALERTS;
export const CF_CAP_CHECK_MAX_S: number = CfgK.CF_CAP_CHECK_MAX_S;
export const CF_PRIMING_WINDOW_S: number = CfgK.CF_PRIMING_WINDOW_S;
export const CF_TEMP_LOW: number = CfgK.CF_TEMP_LOW;
export const CF_TEMP_HIGH: number = CfgK.CF_TEMP_HIGH;
export const CF_RESERVED: number = CfgK.CF_RESERVED;
export const CF_DOUBLE_DOSE_MIN: number = CfgK.CF_DOUBLE_DOSE_MIN;
export const CF_CAP_LEFT_OFF_S: number = CfgK.CF_CAP_LEFT_OFF_S;
export const CF_NAME: number = CfgK.CF_NAME;
export const CF_NAME_LEN: number = CfgK.CF_NAME_LEN;

// Alert switch bits (offset 2). They silence the cap's own alert (LED/buzzer) only: whoever plays alerts
// (the signal handler wired in main.ts, the power module for the battery) must check them. Records are logged
// and the Status characteristic's alert flags are set whatever the switches say.
export const AL_CAP_LEFT_OFF: number = CfgK.AL_CAP_LEFT_OFF;
export const AL_TEMPERATURE: number = CfgK.AL_TEMPERATURE;
export const AL_DOUBLE_DOSE: number = CfgK.AL_DOUBLE_DOSE;
export const AL_BATTERY: number = CfgK.AL_BATTERY;
export const AL_ALL: number = CfgK.AL_ALL;

// Result codes of a config or time write, read back in the characteristic (docs/protocol.md).
export const WR_OK: number = CfgK.WR_OK;
export const WR_BAD_LENGTH: number = CfgK.WR_BAD_LENGTH;
export const WR_BAD_VERSION: number = CfgK.WR_BAD_VERSION;
export const WR_OUT_OF_RANGE: number = CfgK.WR_OUT_OF_RANGE;
export const WR_NOT_STORED: number = CfgK.WR_NOT_STORED;
export const WR_LOG_FAILED: number = CfgK.WR_LOG_FAILED;
export const WR_NONE: number = CfgK.WR_NONE; // no write since the link came up

/** Readable view of a config block (for main.ts; detectConfigFrom turns it into detection's settings). */
export interface Config {
  insulinType: number; // 0 not set, 1 rapid, 2 basal, 3 other (the record flags' bits 4-5)
  alerts: number; // AL_* bits
  capCheckMaxS: number; // detection's doseMinS: a cap-off shorter than this is a CAP_CHECK, this long or longer a DOSE
  primingWindowS: number; // detection's primingWindowS: a removal this soon after a DOSE marks a possible prime
  tempLowC: number; // detection's tempMinC
  tempHighC: number; // detection's tempMaxC
  doubleDoseMin: number; // 0: by insulin type (detection's doubleDoseWindowFor), else the double-dose window in minutes
  capLeftOffS: number; // detection's leftOffS: the left-off alert fires, the session becomes UNCERTAIN_DOSE
  name: string; // insulin name, printable ASCII, up to 16 characters
}

export function defaultConfig(out: Uint8Array): Uint8Array {
  out.fill(0);
  out[CfgK.CF_VERSION] = CfgK.CONFIG_VERSION;
  out[CfgK.CF_INSULIN] = 0;
  out[CfgK.CF_ALERTS] = CfgK.AL_ALL;
  // Detection's defaults (firmware/detect/config.ts, docs/detection.md): one source of meaning.
  out[CfgK.CF_CAP_CHECK_MAX_S] = 6;
  out[CfgK.CF_PRIMING_WINDOW_S] = 120;
  out[CfgK.CF_TEMP_LOW] = 2;
  out[CfgK.CF_TEMP_HIGH] = 30;
  // u16 little-endian fields as bytes (bytes.ts wr16 would be one more function in RAM on the cap).
  out[CfgK.CF_DOUBLE_DOSE_MIN] = 0; // 0: by insulin type
  out[CfgK.CF_DOUBLE_DOSE_MIN + 1] = 0;
  out[CfgK.CF_CAP_LEFT_OFF_S] = 600 & 0xff;
  out[CfgK.CF_CAP_LEFT_OFF_S + 1] = 600 >> 8;
  return out;
}

/**
 * Validates a candidate block. Returns -1 when valid, else the byte offset of the first bad field
 * (with the result code in validateCode). Ranges: docs/config.md.
 */
export let validateCode = CfgK.WR_OK;
export function validateConfig(b: Uint8Array): number {
  validateCode = CfgK.WR_OK;
  if (b.length !== CfgK.CONFIG_SIZE) {
    validateCode = CfgK.WR_BAD_LENGTH;
    return 0xff;
  }
  if (b[CfgK.CF_VERSION] !== CfgK.CONFIG_VERSION) {
    validateCode = CfgK.WR_BAD_VERSION;
    return CfgK.CF_VERSION;
  }
  validateCode = CfgK.WR_OUT_OF_RANGE;
  if (b[CfgK.CF_INSULIN] > 3) return CfgK.CF_INSULIN;
  if (b[CfgK.CF_ALERTS] & ~CfgK.AL_ALL) return CfgK.CF_ALERTS;
  // Ranges keep every accepted block a sane DetectConfig (docs/config.md explains each bound):
  // doseMinS 3-8 < leftOffS 180-3600; primingWindowS 0-240 < shortest double-dose window 300.
  if (b[CfgK.CF_CAP_CHECK_MAX_S] < 3 || b[CfgK.CF_CAP_CHECK_MAX_S] > 8) return CfgK.CF_CAP_CHECK_MAX_S;
  if (b[CfgK.CF_PRIMING_WINDOW_S] > 240) return CfgK.CF_PRIMING_WINDOW_S;
  const lo = (b[CfgK.CF_TEMP_LOW] << 24) >> 24; // signed bytes (no helper function: each costs RAM on the cap)
  const hi = (b[CfgK.CF_TEMP_HIGH] << 24) >> 24;
  if (lo < -10 || lo > 15) return CfgK.CF_TEMP_LOW;
  if (hi < 20 || hi > 45) return CfgK.CF_TEMP_HIGH;
  if (b[CfgK.CF_RESERVED] !== 0) return CfgK.CF_RESERVED;
  // u16 little-endian fields read in place (bytes.ts rd16 would be one more function in RAM on the cap).
  const dd = b[CfgK.CF_DOUBLE_DOSE_MIN] | (b[CfgK.CF_DOUBLE_DOSE_MIN + 1] << 8);
  if (dd !== 0 && (dd < 5 || dd > 720)) return CfgK.CF_DOUBLE_DOSE_MIN;
  const lo2 = b[CfgK.CF_CAP_LEFT_OFF_S] | (b[CfgK.CF_CAP_LEFT_OFF_S + 1] << 8);
  if (lo2 < 180 || lo2 > 3600) return CfgK.CF_CAP_LEFT_OFF_S;
  // Name: printable ASCII, then only zero padding.
  let ended = false;
  for (let i = 0; i < CfgK.CF_NAME_LEN; i++) {
    const c = b[CfgK.CF_NAME + i];
    if (ended) {
      if (c !== 0) return CfgK.CF_NAME + i;
    } else if (c === 0) {
      ended = true;
    } else if (c < 0x20 || c > 0x7e) {
      return CfgK.CF_NAME + i;
    }
  }
  validateCode = CfgK.WR_OK;
  return -1;
}

export function decodeConfig(b: Uint8Array): Config {
  let name = "";
  for (let i = 0; i < CfgK.CF_NAME_LEN && b[CfgK.CF_NAME + i] !== 0; i++) name += String.fromCharCode(b[CfgK.CF_NAME + i]);
  return {
    insulinType: b[CfgK.CF_INSULIN],
    alerts: b[CfgK.CF_ALERTS],
    capCheckMaxS: b[CfgK.CF_CAP_CHECK_MAX_S],
    primingWindowS: b[CfgK.CF_PRIMING_WINDOW_S],
    tempLowC: (b[CfgK.CF_TEMP_LOW] << 24) >> 24,
    tempHighC: (b[CfgK.CF_TEMP_HIGH] << 24) >> 24,
    doubleDoseMin: b[CfgK.CF_DOUBLE_DOSE_MIN] | (b[CfgK.CF_DOUBLE_DOSE_MIN + 1] << 8), // u16 LE, as in validateConfig
    capLeftOffS: b[CfgK.CF_CAP_LEFT_OFF_S] | (b[CfgK.CF_CAP_LEFT_OFF_S + 1] << 8),
    name: name,
  };
}

export function encodeConfig(c: Config, out: Uint8Array): Uint8Array {
  out.fill(0);
  out[CfgK.CF_VERSION] = CfgK.CONFIG_VERSION;
  out[CfgK.CF_INSULIN] = c.insulinType;
  out[CfgK.CF_ALERTS] = c.alerts;
  out[CfgK.CF_CAP_CHECK_MAX_S] = c.capCheckMaxS;
  out[CfgK.CF_PRIMING_WINDOW_S] = c.primingWindowS;
  out[CfgK.CF_TEMP_LOW] = c.tempLowC & 0xff;
  out[CfgK.CF_TEMP_HIGH] = c.tempHighC & 0xff;
  wr16(out, CfgK.CF_DOUBLE_DOSE_MIN, c.doubleDoseMin);
  wr16(out, CfgK.CF_CAP_LEFT_OFF_S, c.capLeftOffS);
  for (let i = 0; i < CfgK.CF_NAME_LEN && i < c.name.length; i++) out[CfgK.CF_NAME + i] = c.name.charCodeAt(i) & 0xff;
  return out;
}

/**
 * Detection's settings for a config in force (validated or default): the five thresholds the config carries,
 * and detection's own defaults for what it does not (settle time, magnetometer confirmation, temperature
 * hysteresis and period, blink limit). doubleDoseMin 0 takes the window by insulin type. Pure; a new object.
 */
export function detectConfigFrom(cfg: Config): DetectConfig {
  const d = defaultDetectConfig(cfg.insulinType);
  d.doseMinS = cfg.capCheckMaxS;
  d.leftOffS = cfg.capLeftOffS;
  d.primingWindowS = cfg.primingWindowS;
  // 0 switches the priming hint off, and with it the longer prime/inject pair window (docs/config.md).
  if (!cfg.primingWindowS) d.pairWindowS = 0;
  d.doubleDoseWindowS = cfg.doubleDoseMin > 0 ? cfg.doubleDoseMin * 60 : doubleDoseWindowFor(d.insulinType);
  d.tempMinC = cfg.tempLowC;
  d.tempMaxC = cfg.tempHighC;
  return d;
}

/** CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF, no reflection); "123456789" gives 0x29B1. */
export function crc16(b: Uint8Array, start: number, end: number): number {
  let crc = 0xffff;
  for (let i = start; i < end; i++) {
    crc ^= b[i] << 8;
    for (let k = 0; k < 8; k++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}
