// CR2032 coin cell: open-circuit voltage against state of charge plus an internal resistance that grows as
// the cell empties, so the terminal voltage sags under radio and flash bursts. Figures from public
// datasheets (Energizer CR2032: 3.0 V nominal, 235 mAh to 2.0 V; Panasonic CR2032 discharge curves: a long
// plateau near 2.9-3.0 V, a knee below ~15 % remaining; internal resistance ~10-20 Ω fresh, >100 Ω near end).
// The simulator does not drain the cell by itself: the energy model (sim/energy/) or the scenario does.

export const CR2032_CAPACITY_MAH = 225;

/** (state of charge, open-circuit volts) knots, linearly interpolated. */
const OCV: Array<[number, number]> = [
  [0, 2.0], [0.05, 2.5], [0.1, 2.7], [0.2, 2.85], [0.5, 2.95], [0.9, 3.05], [1, 3.2],
];

export class Battery {
  /** 0..1 */
  soc = 1;
  present = true;
  /** If set, the scenario fixed the open-circuit voltage directly. */
  private fixedVolts: number | null = null;

  /** Open-circuit voltage (volts), 0 when removed. */
  openCircuitVolts(): number {
    if (!this.present) return 0;
    if (this.fixedVolts !== null) return this.fixedVolts;
    const s = Math.min(1, Math.max(0, this.soc));
    for (let i = 1; i < OCV.length; i++) {
      // (Index access, not destructuring: the array iterator allocates, and this runs at every battery read.)
      const s1 = OCV[i][0], v1 = OCV[i][1];
      const s0 = OCV[i - 1][0], v0 = OCV[i - 1][1];
      if (s <= s1) return v0 + ((v1 - v0) * (s - s0)) / (s1 - s0);
    }
    return OCV[OCV.length - 1][1];
  }

  /** Internal resistance in ohms: ~15 Ω fresh, rising steeply in the last 20 %. */
  internalOhms(): number {
    const s = Math.min(1, Math.max(0, this.soc));
    return 15 + 10 / Math.max(0.02, s) - 10;
  }

  /** Terminal voltage under a load in milliamps. */
  volts(loadMilliamps: number): number {
    if (!this.present) return 0;
    return Math.max(0, this.openCircuitVolts() - (loadMilliamps / 1000) * this.internalOhms());
  }

  setVolts(v: number): void {
    this.fixedVolts = v;
  }

  setStateOfCharge(soc: number): void {
    this.fixedVolts = null;
    this.soc = Math.min(1, Math.max(0, soc));
  }

  /** Removes charge (energy model hook). */
  drain(milliampHours: number): void {
    this.soc = Math.max(0, this.soc - milliampHours / CR2032_CAPACITY_MAH);
  }

  remove(): void {
    this.present = false;
  }

  /** Inserts a cell (fresh unless a state of charge is given). */
  insert(soc = 1): void {
    this.present = true;
    this.fixedVolts = null;
    this.soc = soc;
  }
}
