// The cap's configuration: a fixed 28-byte little-endian block (docs/config.md), its defaults, validation
// and CRC. Pure: persistence is behind ConfigStore (firmware/ble/ports.ts), wired in firmware/hw/ble.ts.
// Dependency direction: config imports detect (detectConfigFrom), detect never imports config.
import { rd16, wr16 } from "../ble/bytes";
import { DetectConfig, defaultDetectConfig, doubleDoseWindowFor } from "../detect/config";

export const CONFIG_SIZE = 28;
export const CONFIG_VERSION = 1;

// Byte offsets (docs/config.md).
export const CF_VERSION = 0;
export const CF_INSULIN = 1;
export const CF_ALERTS = 2;
export const CF_CAP_CHECK_MAX_S = 3;
export const CF_PRIMING_WINDOW_S = 4;
export const CF_TEMP_LOW = 5;
export const CF_TEMP_HIGH = 6;
export const CF_RESERVED = 7;
export const CF_DOUBLE_DOSE_MIN = 8;
export const CF_CAP_LEFT_OFF_S = 10;
export const CF_NAME = 12;
export const CF_NAME_LEN = 16;

// Alert switch bits (offset 2). They silence the cap's own alert (LED/buzzer) only: whoever plays alerts
// (the signal handler wired in main.ts, the power module for the battery) must check them. Records are logged
// and the Status characteristic's alert flags are set whatever the switches say.
export const AL_CAP_LEFT_OFF = 1;
export const AL_TEMPERATURE = 2;
export const AL_DOUBLE_DOSE = 4;
export const AL_BATTERY = 8;
export const AL_ALL = 15;

// Result codes of a config or time write, read back in the characteristic (docs/protocol.md).
export const WR_OK = 0x00;
export const WR_BAD_LENGTH = 0x01;
export const WR_BAD_VERSION = 0x02;
export const WR_OUT_OF_RANGE = 0x03;
export const WR_NOT_STORED = 0x04;
export const WR_LOG_FAILED = 0x05;
export const WR_NONE = 0xff; // no write since the link came up

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
  out[CF_VERSION] = CONFIG_VERSION;
  out[CF_INSULIN] = 0;
  out[CF_ALERTS] = AL_ALL;
  // Detection's defaults (firmware/detect/config.ts, docs/detection.md): one source of meaning.
  out[CF_CAP_CHECK_MAX_S] = 6;
  out[CF_PRIMING_WINDOW_S] = 120;
  out[CF_TEMP_LOW] = 2;
  out[CF_TEMP_HIGH] = 30;
  wr16(out, CF_DOUBLE_DOSE_MIN, 0); // by insulin type
  wr16(out, CF_CAP_LEFT_OFF_S, 600);
  return out;
}

function i8(v: number): number {
  return v > 127 ? v - 256 : v;
}

/**
 * Validates a candidate block. Returns -1 when valid, else the byte offset of the first bad field
 * (with the result code in validateCode). Ranges: docs/config.md.
 */
export let validateCode = WR_OK;
export function validateConfig(b: Uint8Array): number {
  validateCode = WR_OK;
  if (b.length !== CONFIG_SIZE) {
    validateCode = WR_BAD_LENGTH;
    return 0xff;
  }
  if (b[CF_VERSION] !== CONFIG_VERSION) {
    validateCode = WR_BAD_VERSION;
    return CF_VERSION;
  }
  validateCode = WR_OUT_OF_RANGE;
  if (b[CF_INSULIN] > 3) return CF_INSULIN;
  if (b[CF_ALERTS] & ~AL_ALL) return CF_ALERTS;
  // Ranges keep every accepted block a sane DetectConfig (docs/config.md explains each bound):
  // doseMinS 3-8 < leftOffS 180-3600; primingWindowS 0-240 < shortest double-dose window 300.
  if (b[CF_CAP_CHECK_MAX_S] < 3 || b[CF_CAP_CHECK_MAX_S] > 8) return CF_CAP_CHECK_MAX_S;
  if (b[CF_PRIMING_WINDOW_S] > 240) return CF_PRIMING_WINDOW_S;
  const lo = i8(b[CF_TEMP_LOW]);
  const hi = i8(b[CF_TEMP_HIGH]);
  if (lo < -10 || lo > 15) return CF_TEMP_LOW;
  if (hi < 20 || hi > 45) return CF_TEMP_HIGH;
  if (b[CF_RESERVED] !== 0) return CF_RESERVED;
  const dd = rd16(b, CF_DOUBLE_DOSE_MIN);
  if (dd !== 0 && (dd < 5 || dd > 720)) return CF_DOUBLE_DOSE_MIN;
  const lo2 = rd16(b, CF_CAP_LEFT_OFF_S);
  if (lo2 < 180 || lo2 > 3600) return CF_CAP_LEFT_OFF_S;
  // Name: printable ASCII, then only zero padding.
  let ended = false;
  for (let i = 0; i < CF_NAME_LEN; i++) {
    const c = b[CF_NAME + i];
    if (ended) {
      if (c !== 0) return CF_NAME + i;
    } else if (c === 0) {
      ended = true;
    } else if (c < 0x20 || c > 0x7e) {
      return CF_NAME + i;
    }
  }
  validateCode = WR_OK;
  return -1;
}

export function decodeConfig(b: Uint8Array): Config {
  let name = "";
  for (let i = 0; i < CF_NAME_LEN && b[CF_NAME + i] !== 0; i++) name += String.fromCharCode(b[CF_NAME + i]);
  return {
    insulinType: b[CF_INSULIN],
    alerts: b[CF_ALERTS],
    capCheckMaxS: b[CF_CAP_CHECK_MAX_S],
    primingWindowS: b[CF_PRIMING_WINDOW_S],
    tempLowC: i8(b[CF_TEMP_LOW]),
    tempHighC: i8(b[CF_TEMP_HIGH]),
    doubleDoseMin: rd16(b, CF_DOUBLE_DOSE_MIN),
    capLeftOffS: rd16(b, CF_CAP_LEFT_OFF_S),
    name: name,
  };
}

export function encodeConfig(c: Config, out: Uint8Array): Uint8Array {
  out.fill(0);
  out[CF_VERSION] = CONFIG_VERSION;
  out[CF_INSULIN] = c.insulinType;
  out[CF_ALERTS] = c.alerts;
  out[CF_CAP_CHECK_MAX_S] = c.capCheckMaxS;
  out[CF_PRIMING_WINDOW_S] = c.primingWindowS;
  out[CF_TEMP_LOW] = c.tempLowC & 0xff;
  out[CF_TEMP_HIGH] = c.tempHighC & 0xff;
  wr16(out, CF_DOUBLE_DOSE_MIN, c.doubleDoseMin);
  wr16(out, CF_CAP_LEFT_OFF_S, c.capLeftOffS);
  for (let i = 0; i < CF_NAME_LEN && i < c.name.length; i++) out[CF_NAME + i] = c.name.charCodeAt(i) & 0xff;
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
