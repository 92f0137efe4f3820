// Integrates the simulator's activity trace into charge. Continuous states (the sleep floor, advertising,
// a connection, the magnetometer, pins that are on) are integrated over virtual time between activities;
// one-off activities (CPU seconds, flash operations, packets) add their charge when reported.
import type { Activity } from "./activity.js";
import { CR2032_MAH, HOURS_PER_MONTH, type EnergyModel } from "./model.js";

export type EnergyBucket =
  | "sleep" | "cpu" | "advertising" | "connection" | "radioPackets" | "flashWrite" | "flashErase" | "pins" | "mag";

export interface EnergyReport {
  seconds: number;
  averageCurrentMicroamps: number;
  chargeMicroampHours: number;
  /** Charge per activity kind, in uAh. */
  byActivity: Record<EnergyBucket, number>;
  /** Months on a CR2032 of CR2032_MAH at this average current. */
  monthsOnCR2032: number;
}

const UC_PER_UAH = 3600;

export class EnergyMeter {
  private readonly model: EnergyModel;
  private t0 = NaN;
  private last = NaN;
  private adv = { intervalMs: 0, txPowerDbm: 0 };
  /** model.advEventMicrocoulombs(adv.txPowerDbm), worked out when the advertising changes, not at every activity. */
  private advEventUc = 0;
  private connIntervalMs = 0;
  private magHz = 0;
  private readonly pinsOn = new Set<string>();
  private readonly uc: Record<EnergyBucket, number> = {
    sleep: 0, cpu: 0, advertising: 0, connection: 0, radioPackets: 0, flashWrite: 0, flashErase: 0, pins: 0, mag: 0,
  };

  constructor(model: EnergyModel) {
    this.model = model;
  }

  /** Registers with `device.onActivity(meter.listener)`. */
  readonly listener = (t: number, a: Activity): void => this.onActivity(t, a);

  /** Starts the clock without an activity (otherwise the first activity starts it). */
  start(t: number): void {
    if (Number.isNaN(this.t0)) this.t0 = this.last = t;
  }

  onActivity(t: number, a: Activity): void {
    this.advance(t);
    const m = this.model;
    switch (a.kind) {
      case "cpu": this.uc.cpu += a.seconds * m.cpuMilliamps * 1000; break;
      case "flashWrite": this.uc.flashWrite += a.words * m.flashWordMicrocoulombs; break;
      case "flashErase": this.uc.flashErase += a.pages * m.flashPageEraseMicrocoulombs; break;
      case "radioPackets": this.uc.radioPackets += a.count * m.packetMicrocoulombs; break;
      case "pin": if (a.on) this.pinsOn.add(a.pin); else this.pinsOn.delete(a.pin); break;
      case "mag": this.magHz = a.hz; break;
      case "advertising":
        this.adv = { intervalMs: a.intervalMs, txPowerDbm: a.txPowerDbm };
        this.advEventUc = m.advEventMicrocoulombs(a.txPowerDbm);
        break;
      case "connection": this.connIntervalMs = a.intervalMs; break;
    }
  }

  finish(t: number): EnergyReport {
    this.advance(t);
    const seconds = Number.isNaN(this.t0) ? 0 : this.last - this.t0;
    const byActivity = {} as Record<EnergyBucket, number>;
    let totalUc = 0;
    for (const k of Object.keys(this.uc) as EnergyBucket[]) {
      byActivity[k] = this.uc[k] / UC_PER_UAH;
      totalUc += this.uc[k];
    }
    const avg = seconds > 0 ? totalUc / seconds : 0;
    return {
      seconds,
      averageCurrentMicroamps: avg,
      chargeMicroampHours: totalUc / UC_PER_UAH,
      byActivity,
      monthsOnCR2032: avg > 0 ? (CR2032_MAH * 1000) / avg / HOURS_PER_MONTH : Infinity,
    };
  }

  private advance(t: number): void {
    if (Number.isNaN(this.t0)) { this.t0 = this.last = t; return; }
    const dt = t - this.last;
    if (dt < 0) throw new Error(`activity time went backwards: ${t} < ${this.last}`);
    if (dt === 0) return;
    const m = this.model;
    this.uc.sleep += dt * m.sleepMicroamps;
    if (this.adv.intervalMs > 0) {
      this.uc.advertising += ((dt * 1000) / this.adv.intervalMs) * this.advEventUc;
    }
    if (this.connIntervalMs > 0) {
      this.uc.connection += ((dt * 1000) / this.connIntervalMs) * m.connEventMicrocoulombs;
    }
    if (this.magHz > 0) this.uc.mag += dt * m.magMicroamps(this.magHz);
    if (this.pinsOn.size) for (const p of this.pinsOn) this.uc.pins += dt * m.pinMilliamps(p) * 1000;
    this.last = t;
  }
}
