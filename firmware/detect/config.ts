// Detection settings with their defaults. Every number is justified here or in docs/detection.md (sources there).
import { INSULIN_BASAL, INSULIN_RAPID } from "./codes";

export interface DetectConfig {
  /** Digital input: a level must hold this long (s) to count. Longer than one output period of the 5 Hz
   * DRV5032FB (200 ms), so a one-sample glitch (pen dropped, magnet jolted) and 30 ms bounce are dropped;
   * a real removal (pull off, look, push on) lasts well over 0.5 s. Adds 0.3 s to the detection latency. */
  settleS: number;
  /** Magnetometer: consecutive samples past a threshold needed to change state (spike rejection). */
  magConfirm: number;
  /** Shortest cap-off time (s) counted as a dose. Below it: CAP_CHECK. */
  doseMinS: number;
  /** Cap-off time (s) at which the left-off alert fires; such a session becomes UNCERTAIN_DOSE. */
  leftOffS: number;
  /** A removal this soon (s) after a dose-like session ended marks a possible prime/inject pair. */
  primingWindowS: number;
  /** A removal within this many seconds (s) after the last dose gets the quiet double-dose cue (red, no buzzer). */
  doubleDoseWindowS: number;
  /** Inside the double-dose window, a cap still off this long (s) after the removal is an injection attempt: the
   *  buzzer alarm (unless the last dose may have been the prime of a pair, pairWindowS). */
  warnAttemptS: number;
  /** "Air shot, recap, inject" pairs: a removal this soon (s) after a DOSE flags the new record as a possible pair
   *  (F_PRIMING) and gets no buzzer (the quiet cue still shows). At least primingWindowS; 0 with it. */
  pairWindowS: number;
  /** flags bits 4-5 value (codes.ts INSULIN_*). */
  insulinType: number;
  /** In-use storage range of the insulin (°C) and the hysteresis that ends an excursion. */
  tempMinC: number;
  tempMaxC: number;
  tempHystC: number;
  /** Temperature sampling period (s) between cap events. */
  tempPeriodS: number;
  /** Most blinks in the time-since-last-dose code. */
  blinkMax: number;
}

/** Double-dose window by insulin type (s). Rapid: 2 h — a second meal bolus for the same meal is the mistake to
 * catch, and meals are rarely closer than that. Basal: 8 h — the minimum interval between degludec doses in the
 * Tresiba SmPC (sec. 4.2); twice-daily basal (detemir, NPH) is taken ~12 h apart, so no legitimate basal dose
 * is closer than 8 h. Not set / other: the rapid value (fewer false alarms). */
export function doubleDoseWindowFor(insulinType: number): number {
  return insulinType === INSULIN_BASAL ? 8 * 3600 : 2 * 3600;
}

/** Defaults (docs/detection.md explains each). */
export function defaultDetectConfig(insulinType: number): DetectConfig {
  return {
    settleS: 0.3,
    magConfirm: 2,
    // Pen IFUs: hold the needle in the skin 6 s after the dial reaches 0 (NovoPen/FlexPen), count to 5 (KwikPen),
    // count to 10 (SoloStar); plus dialling and insertion, a correct injection keeps the cap off >= ~7-8 s even
    // with the needle already on and no airshot. 6 s sits below that (a missed dose record is the worse error:
    // it invites a repeat injection) and above a glance at the pen (1-3 s). Bigfoot Unity counts from ~4 s,
    // Timesulin from ~8 s.
    doseMinS: 6,
    // A full routine (needle on, resuspension of NPH 10+10 movements, airshot up to 6 tries, dial, 10 s hold)
    // takes 1-3 min; 10 min off means the cap was forgotten: insulin and needle exposed.
    leftOffS: 600,
    // "Prime, recap, come back to inject" happens within a minute or two.
    primingWindowS: 120,
    // A glance at the pen takes 1-3 s; dialling, inserting and a 5-10 s hold make an injection longer than 8 s
    // (doseMinS above). At 4 s off the buzzer reaches a patient about to inject before the dose is pressed in.
    warnAttemptS: 4,
    // Some patients prime, recap and come back to inject 4-6 min later (noisy-scenario finding, issue 14):
    // 10 min covers that with margin and is far shorter than any meal-to-meal or basal interval.
    pairWindowS: 600,
    doubleDoseWindowS: doubleDoseWindowFor(insulinType === INSULIN_RAPID ? INSULIN_RAPID : insulinType),
    insulinType: insulinType & 3,
    // In-use labels: NovoRapid/Humalog/Lantus/Tresiba "after first opening: store below 30 °C"; do not freeze
    // (2 °C keeps clear of freezing with sensor error).
    tempMinC: 2,
    tempMaxC: 30,
    tempHystC: 0.5,
    // Insulin spoils over hours to days at the wrong temperature and a pen's thermal time constant is minutes:
    // 5 min resolves excursions well for ~288 wake-ups a day (microamps' worth).
    tempPeriodS: 300,
    blinkMax: 8,
  };
}
