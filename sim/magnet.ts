// The cap magnet seen by the Puck.js magnetometer. A small axial magnet's field on its axis falls with the
// cube of the distance (dipole far field: B = μ0·m / (2π·d³)); the constant (1 mT at 10 mm) stands for a small
// NdFeB disc. Readings are in units of 0.1 µT (https://www.espruino.com/Puck.js#magnetometer), plus the Earth's
// field and board offset (a fixed vector) and Gaussian noise from a seeded PRNG, and each axis saturates at
// ±400 µT (the LIS3MDL of Puck.js v2 at its ±4 gauss range).
import { Prng } from "./prng.js";

export interface MagReading {
  x: number;
  y: number;
  z: number;
}

export class MagnetModel {
  /** Distance between the cap magnet and the sensor, in mm. */
  distanceMm = 8;
  /** Standard deviation of the noise on each axis, in sensor units (0.1 µT). */
  noise = 3;
  /** Earth field plus hard-iron offset, in sensor units. */
  offset: MagReading = { x: -310, y: 145, z: 420 };
  /** Field at 10 mm in µT. */
  fieldAt10mm = 1000;
  /** Largest reading on each axis, in sensor units. */
  saturation = 4000;
  private rng: Prng;

  constructor(seed = 42) {
    this.rng = new Prng(seed);
  }

  /** Field magnitude of the magnet alone, µT. */
  fieldMicroTesla(): number {
    const d = Math.max(1, this.distanceMm);
    return this.fieldAt10mm * Math.pow(10 / d, 3);
  }

  /** One reading as Puck.mag() returns it (integers). */
  read(): MagReading {
    const b = this.fieldMicroTesla() * 10; // sensor units
    // The magnet sits along the cap's axis, which is mostly the sensor's z axis, a little tilted.
    const clip = (v: number) => Math.max(-this.saturation, Math.min(this.saturation, Math.round(v)));
    return {
      x: clip(this.offset.x + 0.1 * b + this.noise * this.rng.gauss()),
      y: clip(this.offset.y + 0.05 * b + this.noise * this.rng.gauss()),
      z: clip(this.offset.z + 0.99 * b + this.noise * this.rng.gauss()),
    };
  }
}
