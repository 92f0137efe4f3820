// Numbers shared with the log (docs/architecture.md, "The dose record"): record types, flag bits, and the
// packing of the a/b fields for the records detection produces. Pure; no hardware.

export const T_DOSE = 0x01;
export const T_CAP_CHECK = 0x02;
export const T_UNCERTAIN_DOSE = 0x03;
export const T_CAP_LEFT_OFF = 0x04;
export const T_TEMP_EXCURSION = 0x05;

/** flags bit1: possible priming (for a cap session: the dose-like session just before this one may have been a prime; docs/detection.md). */
export const F_PRIMING = 0x02;
/** flags bit2: session interrupted by a reboot. */
export const F_INTERRUPTED = 0x04;

/** Insulin type as stored in flags bits 4-5. */
export const INSULIN_NOT_SET = 0;
export const INSULIN_RAPID = 1;
export const INSULIN_BASAL = 2;
export const INSULIN_OTHER = 3;

/** Excursion kind, high byte of b in TEMP_EXCURSION. */
export const EXC_HOT = 1;
export const EXC_COLD = 2;

/** Signals for the indicator (LED/buzzer), passed with one numeric argument. */
export const SIG_BLINK = 1; // arg: blink count (0 = no dose known)
/** Removal inside the double-dose window: the quiet cue (red, no buzzer). arg: seconds since the last dose. */
export const SIG_DOUBLE_DOSE = 2;
export const SIG_LEFT_OFF = 3; // arg: seconds the cap has been off
/** Temperature state changed at a sample: arg EXC_HOT / EXC_COLD when an excursion starts, 0 when it ends. */
export const SIG_TEMP = 4;
/** The cap cannot record (no dose log could be opened at boot; main.ts): arg 1 with the buzzer, 0 LED only. */
export const SIG_FAULT = 5;
/** The cap is still off warnAttemptS after a removal inside the double-dose window (and outside the pair window):
 *  an injection attempt, the alarm (red + buzzer). arg: seconds since the last dose. */
export const SIG_DOSE_ATTEMPT = 6;
/** Shown by main.ts at a removal while the battery is low (Status alert bit2): arg unused. */
export const SIG_BATTERY = 7;
/** Shown by main.ts at a removal while a temperature excursion lasts (Status alert bit1): arg unused. */
export const SIG_TEMP_ALERT = 8;

/** True for the three record types that stand for one cap session. */
export function isSessionType(type: number): boolean {
  return type === T_DOSE || type === T_CAP_CHECK || type === T_UNCERTAIN_DOSE;
}

/** u16 saturating, rounded: a duration in seconds (or minutes) for the a field. */
export function sat16(v: number): number {
  if (!(v > 0)) return 0;
  v = Math.round(v);
  return v > 0xffff ? 0xffff : v;
}

/** Temperature °C to the i8 byte of b: rounded, clamped to -127..127; NaN/unknown gives 0x80. */
export function tempByte(c: number): number {
  if (c !== c) return 0x80;
  var r = Math.round(c);
  if (r > 127) r = 127;
  if (r < -127) r = -127;
  return r & 0xff;
}

/** The inverse of tempByte: NaN for 0x80. */
export function tempFromByte(b: number): number {
  b = b & 0xff;
  if (b === 0x80) return NaN;
  return b > 127 ? b - 256 : b;
}

// b of DOSE / CAP_CHECK / UNCERTAIN_DOSE: temperature in the low byte (tempByte), units × 2 in the high byte,
// 0xFF meaning unknown. The cap never knows the units, so detector.ts writes tempByte(c) | 0xFF00 directly.
