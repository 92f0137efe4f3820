// Model-based checking of the dose log over the NOR flash model: a workload of appends, power cuts at
// exact operations, and after every reboot the guarantees of issue 6 checked against what was acknowledged.
import { expect } from "vitest";
import { PowerCutError, type NorFlash } from "../../sim/flash/nor.js";
import { DoseLog, type MountReport, type PageStore } from "../../firmware/log/log.js";
import { recA, recB, recFlags, recSeq, recTime, recType, recordValid, T_DOSE, T_SEQ_SKIPPED } from "../../firmware/log/record.js";

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
  /** Like main.ts: after each reboot's mount, append SEQ_SKIPPED for the seqs the mount reports skipped. */
  reportSkips = true;
  /** Check that a mount's skipped range is exactly the seqs between the newest record and the next seq. */
  strictSkips = true;
  /** SEQ_SKIPPED records appended by reboot(): seq -> record. */
  reports = new Map<number, Rec>();
  /** Every seq ever acknowledged (workload or report), every seq a mount reported skipped. */
  everAcked = new Set<number>();
  reported = new Set<number>();

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
        this.everAcked.add(seq);
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
    this.checkSkipReport(rep);
    return rep;
  }

  /**
   * The skipped range names only seqs that hold no record and were never acknowledged, names none twice
   * (once reported, a valid record follows them), and, when the power cut left no corruption, is exactly the
   * seqs between the newest record and the next seq. Then appends the SEQ_SKIPPED record, as main.ts does.
   */
  checkSkipReport(rep: MountReport): void {
    const next = this.log.stats().nextSeq;
    if (rep.skippedCount === 0) {
      expect(rep.skippedFrom).toBe(-1);
    } else {
      expect(rep.skippedFrom).toBeGreaterThan(this.log.newestSeq());
      expect(rep.skippedFrom + rep.skippedCount).toBe(next);
      for (let s = rep.skippedFrom; s < next; s++) {
        expect(this.everAcked.has(s)).toBe(false);
        if (this.reportSkips && this.reported.has(s)) throw new Error(`seq ${s} reported skipped twice`);
        this.reported.add(s);
      }
      const out = new Uint8Array(16);
      expect(this.log.readFrom(rep.skippedFrom, out)).toBe(-1);
    }
    if (this.strictSkips && rep.badSlots === 0) {
      const newest = this.log.newestSeq();
      const firstFree = rep.skippedCount > 0 ? rep.skippedFrom : next;
      if (newest >= 0) expect(firstFree).toBe(newest + 1);
    }
    if (this.reportSkips && rep.skippedCount > 0) {
      const r: Rec = { type: T_SEQ_SKIPPED, flags: 0, time: 0, a: rep.skippedFrom & 0xffff, b: Math.min(rep.skippedCount, 0xffff) };
      const seq = this.log.append(r.type, r.flags, r.time, r.a, r.b);
      expect(seq).toBeGreaterThan(this.maxSeen);
      this.reports.set(seq, r);
      this.everAcked.add(seq);
      this.lastAcked = seq;
      this.maxSeen = seq;
    }
  }

  /** Every seq from `first` to the last acknowledged one was acknowledged or reported skipped. */
  checkAccounted(first: number): void {
    for (let s = first; s <= this.lastAcked; s++) {
      if (!this.everAcked.has(s) && !this.reported.has(s)) throw new Error(`seq ${s} neither acknowledged nor reported skipped`);
    }
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
      expect(recordValid(out)).toBe(true);
      expect(recSeq(out, 0)).toBe(s);
      if (seen.length) expect(s).toBeGreaterThan(seen[seen.length - 1]); // no duplicates, in order
      seen.push(s);
      const k = this.acked.get(s);
      const got = { type: recType(out, 0), flags: recFlags(out, 0), time: recTime(out, 0), a: recA(out, 0), b: recB(out, 0) };
      const report = this.reports.get(s);
      if (report) {
        expect(got).toEqual(report);
      } else if (k !== undefined) {
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
    for (const seq of [...this.reports.keys()]) if (seq < oldestPresent) this.reports.delete(seq);
    if (seen.length) {
      expect(this.log.newestSeq()).toBe(seen[seen.length - 1]);
      expect(this.log.oldestSeq()).toBe(seen[0]);
      this.maxSeen = Math.max(this.maxSeen, seen[seen.length - 1]);
      if (extra) this.lastAcked = Math.max(this.lastAcked, seen[seen.length - 1]);
      if (extra) this.acked.set(seen[seen.length - 1], this.inFlight);
      if (extra) this.everAcked.add(seen[seen.length - 1]);
    } else {
      expect(this.acked.size).toBe(0);
    }
  }
}
