// Model-based checking of the dose log over the NOR flash model: a workload of appends, power cuts at
// exact operations, and after every reboot the guarantees of issue 6 checked against what was acknowledged.
import { expect } from "vitest";
import { PowerCutError, type NorFlash } from "../../sim/flash/nor.js";
import { DoseLog, type MountReport, type PageStore } from "../../firmware/log/log.js";
import { recA, recB, recFlags, recSeq, recTime, recType, recordValid, T_DOSE } from "../../firmware/log/record.js";

export interface Rec {
  type: number; flags: number; time: number; a: number; b: number;
}

/** The k-th record of a workload: every field depends on k so a mix-up is seen. */
export function recOf(k: number): Rec {
  return { type: 1 + (k % 14), flags: (k % 3) << 4, time: 1000 + k * 17, a: k & 0xffff, b: (k * 7919) & 0xffff };
}

export class Harness {
  log: DoseLog;
  acked = new Map<number, number>(); // seq -> k
  lastAcked = 0; // highest acknowledged seq
  maxSeen = 0; // highest seq ever acknowledged or read back
  inFlight = -1; // k of the append interrupted by the last cut
  k = 0; // next workload index
  lastReport: MountReport | null = null;

  cutInMount = false;

  /** Mounts a DoseLog; a power cut armed beforehand may hit the first mount (format) itself. */
  constructor(public nor: NorFlash, public store: PageStore, public maintainEvery = 4) {
    this.log = new DoseLog(store);
    try {
      this.lastReport = this.log.mount();
    } catch (e) {
      if (!(e instanceof PowerCutError)) throw e;
      this.cutInMount = true;
    }
  }

  get guaranteedSpan(): number {
    const S = Math.floor((this.store.pageSize - 32) / 16);
    return (this.store.pageCount - 2) * S;
  }

  /** Runs n more appends (and maintain() calls). Returns false if the power was cut on the way. */
  run(n: number): boolean {
    if (this.cutInMount) {
      this.cutInMount = false;
      return false;
    }
    try {
      for (let i = 0; i < n; i++) {
        const k = this.k;
        const r = recOf(k);
        this.inFlight = k;
        const seq = this.log.append(r.type, r.flags, r.time, r.a, r.b);
        this.inFlight = -1;
        this.k++;
        expect(seq).toBeGreaterThan(this.maxSeen);
        this.acked.set(seq, k);
        this.lastAcked = seq;
        this.maxSeen = seq;
        if (this.maintainEvery > 0 && k % this.maintainEvery === 0) this.log.maintain();
      }
      return true;
    } catch (e) {
      if (!(e instanceof PowerCutError)) throw e;
      return false;
    }
  }

  /** Power back on, a fresh DoseLog over the same flash (a reboot), and every guarantee checked. */
  reboot(): MountReport {
    this.nor.disarm();
    this.nor.powerOn();
    this.log = new DoseLog(this.store);
    const rep = this.log.mount();
    this.lastReport = rep;
    this.checkContents();
    if (this.inFlight >= 0) this.k = this.inFlight + 1; // the interrupted record is not retried
    this.inFlight = -1;
    return rep;
  }

  /** Reads the whole log through readFrom() and checks it against the acknowledged records. */
  checkContents(): void {
    const out = new Uint8Array(16);
    const seen: number[] = [];
    let from = 0;
    let extra = 0;
    for (;;) {
      const s = this.log.readFrom(from, out);
      if (s < 0) break;
      expect(recordValid(out, 0)).toBe(true);
      expect(recSeq(out, 0)).toBe(s);
      if (seen.length) expect(s).toBeGreaterThan(seen[seen.length - 1]); // no duplicates, in order
      seen.push(s);
      const k = this.acked.get(s);
      const got = { type: recType(out, 0), flags: recFlags(out, 0), time: recTime(out, 0), a: recA(out, 0), b: recB(out, 0) };
      if (k !== undefined) {
        expect(got).toEqual(recOf(k));
      } else {
        // Only the append cut by the power may be found without having been acknowledged.
        expect(this.inFlight).toBeGreaterThanOrEqual(0);
        expect(s).toBeGreaterThan(this.lastAcked);
        expect(got).toEqual(recOf(this.inFlight));
        extra++;
      }
      from = s + 1;
    }
    expect(extra).toBeLessThanOrEqual(1);
    // Every acknowledged record newer than what the ring must keep is present.
    const present = new Set(seen);
    const oldestPresent = seen.length ? seen[0] : Infinity;
    for (const seq of this.acked.keys()) {
      if (seq > this.lastAcked - this.guaranteedSpan || seq >= oldestPresent) {
        if (!present.has(seq)) throw new Error(`acknowledged record seq ${seq} lost (last acked ${this.lastAcked}, oldest present ${oldestPresent})`);
      }
    }
    // Forget records the ring has legitimately dropped, so the map stays small.
    for (const seq of [...this.acked.keys()]) if (seq < oldestPresent) this.acked.delete(seq);
    if (seen.length) {
      expect(this.log.newestSeq()).toBe(seen[seen.length - 1]);
      expect(this.log.oldestSeq()).toBe(seen[0]);
      this.maxSeen = Math.max(this.maxSeen, seen[seen.length - 1]);
      if (extra) this.lastAcked = Math.max(this.lastAcked, seen[seen.length - 1]);
      if (extra) this.acked.set(seen[seen.length - 1], this.inFlight);
    } else {
      expect(this.acked.size).toBe(0);
    }
  }
}
