// What the app holds of one cap's log: records by seq, deduplicated, with gaps explained where the
// protocol allows (never completed on the cap, deleted by the app, overwritten by the cap's ring before this
// app synced, or missing).
import type { Status } from "./client";
import { DoseRecord, skippedSeqs } from "./record";
import { T } from "./protocol";

/**
 * skipped: the cap never completed these records (a power cut interrupted their write; a SEQ_SKIPPED record
 * says so) — nothing was lost. deleted: removed by an app's delete. overwritten: dropped by the cap's ring
 * before this app synced them. missing: the cap was asked again and does not have them, and nothing explains
 * it — a record the cap may have had and lost. unconfirmed: not asked again yet.
 */
export type GapKind = "skipped" | "deleted" | "overwritten" | "missing" | "unconfirmed";
export interface Gap {
  from: number;
  to: number;
  kind: GapKind;
}

export interface StoreSnapshot {
  serial: string;
  records: DoseRecord[];
  confirmedMissing: number[];
  lastStatus: Status | undefined;
  conflicts?: DoseRecord[];
}

export class RecordStore {
  readonly records = new Map<number, DoseRecord>();
  /** seq ranges the cap was asked for again and still did not have. */
  readonly confirmedMissing = new Set<number>();
  /** Same seq seen with different content (should never happen; kept for the report). */
  readonly conflicts: DoseRecord[] = [];
  lastStatus: Status | undefined;

  constructor(readonly serial: string) {}

  /** True when the record was new. */
  add(r: DoseRecord): boolean {
    const old = this.records.get(r.seq);
    if (!old) {
      this.records.set(r.seq, r);
      this.confirmedMissing.delete(r.seq);
      return true;
    }
    if (old.time !== r.time || old.type !== r.type || old.flags !== r.flags || old.a !== r.a || old.b !== r.b) this.conflicts.push(r);
    return false;
  }

  newestHeld(): number {
    let n = -1;
    for (const s of this.records.keys()) if (s > n) n = s;
    return n;
  }

  sorted(): DoseRecord[] {
    return [...this.records.values()].sort((x, y) => x.seq - y.seq);
  }

  /** Highest "deleted through" known: from the cap's status or DELETE records held. */
  deletedThrough(): number {
    let d = this.lastStatus?.deletedThrough ?? -1;
    for (const r of this.records.values()) if (r.type === T.DELETE) d = Math.max(d, r.a | (r.b << 16));
    return d;
  }

  /** Seqs named by the SEQ_SKIPPED records held: never completed on the cap. */
  skipped(): Set<number> {
    const out = new Set<number>();
    for (const r of this.records.values()) {
      if (r.type !== T.SEQ_SKIPPED) continue;
      const k = skippedSeqs(r);
      for (let i = 0; i < k.count; i++) out.add(k.first + i);
    }
    return out;
  }

  /** Every seq from 0 to the newest known that is not held, as ranges with an explanation. */
  gaps(): Gap[] {
    const newest = Math.max(this.newestHeld(), this.lastStatus?.newestSeq ?? -1);
    const oldest = this.lastStatus?.oldestSeq ?? 0;
    const del = this.deletedThrough();
    const skipped = this.skipped();
    const out: Gap[] = [];
    // "skipped" first: it is a fact about the seq itself (no record ever existed), whatever happened later.
    const kindOf = (s: number): GapKind =>
      skipped.has(s) ? "skipped"
      : s <= del ? "deleted"
      : oldest >= 0 && s < oldest ? "overwritten"
      : this.confirmedMissing.has(s) ? "missing"
      : "unconfirmed";
    // Seqs start at 1 on every cap (docs/log-format.md): there is no seq 0 to miss.
    for (let s = 1; s <= newest; s++) {
      if (this.records.has(s)) continue;
      const k = kindOf(s);
      const last = out[out.length - 1];
      if (last && last.to === s - 1 && last.kind === k) last.to = s;
      else out.push({ from: s, to: s, kind: k });
    }
    return out;
  }

  toJSON(): StoreSnapshot {
    return { serial: this.serial, records: this.sorted(), confirmedMissing: [...this.confirmedMissing], lastStatus: this.lastStatus, conflicts: this.conflicts };
  }

  /** The inverse of toJSON (what the encrypted store persists). */
  static fromJSON(o: StoreSnapshot): RecordStore {
    const s = new RecordStore(o.serial);
    for (const r of o.records) s.add(r);
    for (const q of o.confirmedMissing ?? []) if (!s.records.has(q)) s.confirmedMissing.add(q);
    for (const c of o.conflicts ?? []) s.conflicts.push(c);
    s.lastStatus = o.lastStatus;
    return s;
  }
}
