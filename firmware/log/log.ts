// The dose log: an append-only ring of records over a PageStore, safe against a power cut at any instant.
// Format and algorithms: docs/log-format.md. API: docs/architecture.md ("Log API").
// RAM: a few typed arrays of one entry per page and a handful of numbers; nothing grows with the log.
import { fwError, FwError } from "../errors";
import {
  CHECK_UNCOMMITTED, crcFn, encodeRecord, fieldsValid, get16, get32, RECORD_SIZE, recordCheck, recordValid, slotBlank,
  T_BOOT, T_SEQ_SKIPPED,
} from "./record";
import {
  classifyHeader, encodeHeader, H_BAD, H_BLANK, H_LIVE, H_OTHER, H_RETIRED, HEADER_SIZE, HEADER_WRITTEN,
  STATE_OFFSET,
} from "./page";

export interface PageStore {
  readonly pageSize: number;
  readonly pageCount: number;
  read(page: number, offset: number, length: number): Uint8Array;
  write(page: number, offset: number, data: Uint8Array): void;
  erase(page: number): void;
}

export interface MountReport {
  /** True when the region held no log of this format and a new one was started. */
  formatted: boolean;
  /** Why it formatted: "" (it did not), "blank", "foreign", "version" (pages of another format version). */
  reason: string;
  /** Erases done by mount (0 or 1). */
  erases: number;
  /** Pages holding the log after mount. */
  livePages: number;
  /** Interrupted record writes found in the head page (a power cut; skipped, not an error). */
  tornSlots: number;
  /** Slots in the head page that are neither blank, valid nor a torn write: corruption (skipped). */
  badSlots: number;
  /** Pages whose header is damaged but whose records are still read by their own checks. */
  damagedPages: number;
  /** Page index of the first corruption found (bad slot or damaged header), -1 when none. */
  corruptPage: number;
  /**
   * First seq of the torn slots no valid record follows (what the power cut before this boot left), -1 when
   * none. Their seqs are used up and will never hold a record. "Not followed by a valid record" is what
   * "not reported yet" means: main.ts appends SEQ_SKIPPED as the first record after mount, so at the next
   * mount these slots are followed by that record and are not reported again; if that append never
   * happened (another cut), they are reported again. See docs/log-format.md.
   */
  skippedFrom: number;
  /** How many seqs from skippedFrom on were never completed (0 when skippedFrom is -1). */
  skippedCount: number;
}

export interface LogStats {
  pageSize: number;
  pageCount: number;
  recordsPerPage: number;
  /** Records the ring is guaranteed to keep: (pageCount - 2) pages' worth (one spare, one being filled). */
  capacity: number;
  /** Slots in use from oldestSeq to newestSeq (a torn or corrupt slot inside counts). */
  used: number;
  livePages: number;
  eraseMin: number;
  eraseMax: number;
  /** Erase count per page (a copy). */
  eraseCounts: number[];
  /** Corrupt slots met by reads since mount (each counted once while reading forwards). */
  badSlotsSeen: number;
  /**
   * Slots met by reads that look like an interrupted write (a power cut). About 1 in 100 single flipped
   * bits in a record also looks like this: either way the slot is skipped, never returned.
   */
  tornSlotsSeen: number;
  /** The seq the next append will get (diagnostics, tests). */
  nextSeq: number;
}

// Slot classes.
const S_BLANK = 0;
const S_VALID = 1;
const S_TORN = 2;
const S_BAD = 3;

/** Attempts at one append when a slot does not verify (each failed slot is skipped, its seq unused). */
const APPEND_ATTEMPTS = 3;
/** Chunk used to check that a page is blank without holding the whole page in RAM. */
const SCAN_CHUNK = 256;
const FIRST_SEQ = 1;

// On the device E.CRC32 is native (record.ts has the same declaration for its own use).
declare const E: { CRC32(data: Uint8Array): number };

export class DoseLog {
  private store: PageStore;
  private P: number;
  private pageSize: number;
  private S: number; // record slots per page
  private first: Uint32Array; // first seq of each live page
  private wear: Uint32Array; // erase count of each page (from headers; estimated when unknown)
  private pageSeqs: Uint32Array; // page sequence of each live page
  private mounted = false;
  private head = 0;
  private tail = 0;
  private live = 0;
  private nextSlot = 0;
  private spare = -1; // a page known erased this session, or -1
  private newest = -1;
  private oldest = -1;
  /** Cleared by the firmware below the erase threshold (docs/power.md): then no path erases a page (a
   *  weak cell browns out during the 85 ms erase and the reboot would try again: a reset loop). Appends still
   *  go into the head page and an already erased spare; one that needs an erase throws ERASE_LOW_BATTERY. */
  eraseAllowed = true;
  /** Records the ring is guaranteed to keep: (pageCount - 2) pages' worth (one spare, one being filled); the
   *  newest `capacity` seqs survive any append (the RACP's app-record guard relies on it). */
  capacity: number;
  /** Corrupt slots met by reads since mount, counted by verifyRead() (stats().badSlotsSeen without building
   *  the stats object; main.ts reports its growth). Read it, never write it: a field rather than a getter
   *  saves RAM on Espruino. */
  badSeen = 0;
  private tornSeen = 0;
  private badSeenAt = -1; // highest slot seq counted in badSeen or tornSeen (each corrupt slot counted once)
  // Seqs reads looked at since verifyRead() last ran: vLo..vHi (vLo -1: none).
  private vLo = -1;
  private vHi = -1;
  private minSeq = FIRST_SEQ; // lowest seq a new page may start at
  // The record being written or read, and 4 bytes after it for the uncommitted word 3 of an append. (No
  // buffer of its own for page headers: a page is opened once per page's worth of records, and a buffer
  // kept for it would hold RAM for good on Espruino.)
  private rec = new Uint8Array(RECORD_SIZE + 4);
  // readMany()'s cursor: page (-1: none), slot, and the seq of that slot.
  private cp = -1;
  private cs = 0;
  private cseq = -1;

  constructor(store: PageStore) {
    this.store = store;
    this.P = store.pageCount;
    this.pageSize = store.pageSize;
    this.S = Math.floor((store.pageSize - HEADER_SIZE) / RECORD_SIZE);
    this.capacity = (this.P - 2) * this.S;
    if (this.P < 3 || this.S < 1 || store.pageSize % 4 !== 0 || store.pageSize > 0xffff) {
      throw fwError("LOG_GEOMETRY", "log needs at least 3 pages of a multiple of 4 bytes below 64 KiB");
    }
    this.first = new Uint32Array(this.P);
    this.wear = new Uint32Array(this.P);
    this.pageSeqs = new Uint32Array(this.P);
  }

  // ---------------------------------------------------------------- mount

  mount(): MountReport {
    const P = this.P;
    const st = this.store;
    const cls = new Uint8Array(P); // freed after mount
    let seqFloor = FIRST_SEQ;
    let headPage = -1;
    let headSeq = 0;
    let others = 0;
    let bads = 0;
    let maxErase = 0;
    this.mounted = false;
    this.spare = -1;
    this.badSeen = 0;
    this.tornSeen = 0;
    this.badSeenAt = this.vLo = this.vHi = -1;
    for (let p = 0; p < P; p++) {
      const h = st.read(p, 0, HEADER_SIZE);
      const c = classifyHeader(h, this.pageSize);
      cls[p] = c;
      this.wear[p] = 0;
      if (c === H_LIVE || c === H_RETIRED || c === H_OTHER) {
        this.wear[p] = get32(h, 16); // header: erase count at 16
        if (this.wear[p] > maxErase) maxErase = this.wear[p];
      }
      if (c === H_RETIRED || c === H_OTHER) {
        // No seq such a page ever held may be handed out again, whatever its format.
        // Slots such a page held, from its own record size (5), header size (6) and page size (20).
        const top = get32(h, 12) + Math.floor(((get16(h, 20) || this.pageSize) - (h[6] || HEADER_SIZE)) / (h[5] || RECORD_SIZE));
        if (top > seqFloor) seqFloor = top;
      }
      if (c === H_OTHER) others++;
      if (c === H_BAD) bads++;
      if (c === H_LIVE) {
        // header (docs/log-format.md): page sequence at 8, first record seq at 12
        const ps = get32(h, 8);
        this.pageSeqs[p] = ps;
        this.first[p] = get32(h, 12);
        if (headPage < 0 || ps > headSeq) {
          headPage = p;
          headSeq = ps;
        }
      }
    }
    // Pages whose erase count was lost (torn erase, blank) are assumed as worn as the most worn page.
    for (let p = 0; p < P; p++) if (cls[p] === H_BAD || cls[p] === H_BLANK) this.wear[p] = maxErase;

    const rep: MountReport = {
      formatted: false, reason: "", erases: 0, livePages: 0, tornSlots: 0, badSlots: 0, damagedPages: 0, corruptPage: -1,
      skippedFrom: -1, skippedCount: 0,
    };
    if (headPage < 0) {
      rep.formatted = true;
      rep.reason = others > 0 ? "version" : bads > 0 ? "foreign" : "blank";
      // A new log in page 0 (one erase at most), its first seq at the floor.
      // maintain() prepares the page after the head; with the head taken as the last page and nothing live,
      // that is page 0, erased only when not blank. (Reused rather than a helper of its own: RAM on Espruino.)
      const e0 = this.wear[0];
      this.head = P - 1;
      this.tail = 0;
      this.live = 0;
      this.minSeq = seqFloor;
      this.mounted = true;
      try {
        this.maintain();
      } finally {
        // Until the new page is open, as before; also when the erase failed and mount() throws: the log must
        // then refuse appends (LOG_NOT_MOUNTED), not write into a page with no header.
        this.mounted = false;
      }
      rep.erases = this.wear[0] - e0;
      this.openPage(0, 1, seqFloor);
      this.newest = -1;
      this.oldest = -1;
      rep.livePages = 1;
      this.mounted = true;
      return rep;
    }

    // The live run: pages physically before the head with page sequences one lower each time. A page with
    // a damaged header between two good ones keeps its place (its first seq follows from its neighbour).
    this.head = headPage;
    this.tail = headPage;
    this.live = 1;
    for (let k = 1; k < P; k++) {
      const p = (headPage - k + P) % P;
      const nextP = (p + 1) % P;
      if (cls[p] === H_LIVE && this.pageSeqs[p] === headSeq - k && this.first[p] + this.S <= this.first[nextP]) {
        // ok
      } else if (cls[p] === H_BAD && k + 1 < P) {
        const q = (p - 1 + P) % P;
        if (!(cls[q] === H_LIVE && this.pageSeqs[q] === headSeq - k - 1)) break;
        this.pageSeqs[p] = headSeq - k;
        this.first[p] = this.first[nextP] - this.S;
        rep.damagedPages++;
        if (rep.corruptPage < 0) rep.corruptPage = p;
      } else break;
      this.tail = p;
      this.live++;
    }
    // A damaged header on the page after the head: adopt it if it holds records of the expected seqs, so
    // they stay readable and their seqs are never reused.
    const n = (headPage + 1) % P;
    if (this.live < P && cls[n] === H_BAD) {
      const expFirst = this.first[headPage] + this.S;
      let found = false;
      for (let s = 0; s < this.S && !found; s++) {
        const b = st.read(n, HEADER_SIZE + s * RECORD_SIZE, RECORD_SIZE);
        if (recordValid(b) && get32(b, 0) === expFirst + s) found = true;
      }
      if (found) {
        this.pageSeqs[n] = headSeq + 1;
        this.first[n] = expFirst;
        this.head = n;
        this.live++;
        rep.damagedPages++;
        if (rep.corruptPage < 0) rep.corruptPage = n;
      }
    }

    // The head page: the only page whose records mount reads.
    const hp = this.head;
    let lastNonBlank = -1;
    let lastValid = -1;
    let run = -1; // first slot of the torn run that no valid or bad slot follows, -1 when none
    for (let s = 0; s < this.S; s++) {
      const b = st.read(hp, HEADER_SIZE + s * RECORD_SIZE, RECORD_SIZE);
      const c = classifySlot(b, this.first[hp] + s);
      if (c === S_BLANK) continue;
      lastNonBlank = s;
      if (c === S_VALID) {
        lastValid = s;
        run = -1;
      } else if (c === S_TORN) {
        rep.tornSlots++;
        if (run < 0) run = s;
      } else {
        run = -1;
        rep.badSlots++;
        if (rep.corruptPage < 0) rep.corruptPage = hp;
      }
    }
    // Torn slots left by the last power cut: the run above, continued backwards into the pages before the
    // head while the head page holds nothing else (a cut at the end of a page, then one while opening the
    // next). A bad slot ends the run: it may be a completed record that was damaged, so it is not "skipped".
    if (lastNonBlank < 0 || run === 0) {
      let from = this.first[hp];
      let cur = hp;
      for (let k = 1; k < this.live; k++) {
        const p = (hp - k + P) % P;
        if (this.first[p] + this.S !== this.first[cur]) break; // seqs not contiguous (the floor)
        let s = this.S - 1;
        while (s >= 0 && classifySlot(st.read(p, HEADER_SIZE + s * RECORD_SIZE, RECORD_SIZE), this.first[p] + s) === S_TORN) s--;
        from = this.first[p] + s + 1;
        if (s >= 0) break;
        cur = p;
      }
      const end = this.first[hp] + lastNonBlank + 1;
      if (from < end) {
        rep.skippedFrom = from;
        rep.skippedCount = end - from;
      }
    } else if (run > 0) {
      rep.skippedFrom = this.first[hp] + run;
      rep.skippedCount = lastNonBlank + 1 - run;
    }
    this.nextSlot = lastNonBlank + 1;
    // Pages of another format version may hold higher seqs (a downgrade): never hand those out again.
    this.minSeq = seqFloor;
    if (this.first[hp] + this.nextSlot < seqFloor) this.nextSlot = this.S;
    this.mounted = true;
    this.newest = -1;
    if (lastValid >= 0) this.newest = this.first[hp] + lastValid;
    else {
      // The newest valid record before the head page's slots (the head page has none).
      for (let k = 1; k < this.live && this.newest < 0; k++) {
        const p = (hp - k + P) % P;
        for (let s = this.S - 1; s >= 0; s--) {
          if (classifySlot(st.read(p, HEADER_SIZE + s * RECORD_SIZE, RECORD_SIZE), this.first[p] + s) === S_VALID) {
            this.newest = this.first[p] + s;
            break;
          }
        }
      }
    }
    this.oldest = this.newest < 0 ? -1 : this.readFrom(this.first[this.tail], this.rec);
    rep.livePages = this.live;
    return rep;
  }

  // ---------------------------------------------------------------- append

  append(type: number, flags: number, time: number, a: number, b: number): number {
    if (!this.mounted) throw fwError("LOG_NOT_MOUNTED", "append before mount");
    if (!fieldsValid(type, flags, time, a, b)) throw fwError("LOG_ARG", "record field out of range");
    let failures = 0;
    for (;;) {
      if (this.nextSlot >= this.S) {
        // Move the head to the next page: it must be erased (the spare); if it is not, erase it now.
        const n = (this.head + 1) % this.P;
        this.maintain(); // gets page n erased (the spare) unless it already is
        const f = this.first[this.head] + this.S;
        this.openPage(n, this.pageSeqs[this.head] + 1, f > this.minSeq ? f : this.minSeq);
      }
      const p = this.head;
      const slot = this.nextSlot;
      const seq = this.first[p] + slot;
      // The slot's seq is used up before any write: a write cut or failing half-way never gets it reused.
      this.nextSlot = slot + 1;
      const off = HEADER_SIZE + slot * RECORD_SIZE;
      // A slot that is not blank (garbage, bit flips) is skipped rather than written over.
      if (!slotBlank(this.store.read(p, off, RECORD_SIZE))) continue;
      const r = this.rec;
      encodeRecord(r, seq, type, flags, time, a, b);
      const w = r.subarray(RECORD_SIZE, RECORD_SIZE + 4);
      w[0] = r[12];
      w[1] = r[13];
      w[2] = 0xff;
      w[3] = 0xff;
      try {
        this.store.write(p, off, r.subarray(0, 12)); // words 0-2
        this.store.write(p, off + 12, w); // word 3, check left at 0xFFFF
        this.store.write(p, off + 12, r.subarray(12, 16)); // word 3 with the check: the commit
      } catch (e) {
        // A write that did not read back: skip the slot (its seq is never used) and try the next one.
        if (!(e && (e as FwError).code === "LOG_VERIFY") || ++failures >= APPEND_ATTEMPTS) throw e;
        continue;
      }
      this.newest = seq;
      if (this.oldest < 0) this.oldest = seq;
      return seq;
    }
  }

  /** Writes the header of erased page `p` and makes it the head. */
  private openPage(p: number, pageSeq: number, firstSeq: number): void {
    const h = new Uint8Array(HEADER_SIZE);
    encodeHeader(h, pageSeq, firstSeq, this.wear[p], this.pageSize);
    this.spare = -1;
    this.rewrite(p, 0, h.subarray(0, HEADER_WRITTEN));
    this.head = p;
    this.pageSeqs[p] = pageSeq;
    this.first[p] = firstSeq;
    this.live++;
    this.nextSlot = 0;
  }

  /**
   * Writes and, if it does not read back, writes the same bytes again (a write only clears bits, so a write
   * that silently did nothing or only part of its job can be completed). Used for headers and the retire
   * mark; records are not rewritten but moved to the next slot.
   */
  private rewrite(p: number, off: number, data: Uint8Array): void {
    for (let i = 0; ; i++) {
      try {
        this.store.write(p, off, data);
        return;
      } catch (e) {
        if (!(e && (e as FwError).code === "LOG_VERIFY") || i >= 2) throw e;
      }
    }
  }

  /**
   * At most one erase: gets the page after the head erased (the spare) so the next page change needs none.
   * Also what append() and a formatting mount() call to prepare the next page (one function rather than
   * several helpers: each costs RAM on Espruino).
   */
  maintain(): void {
    if (!this.mounted) return;
    const n = (this.head + 1) % this.P;
    if (this.spare === n) return;
    if (this.live > 0 && n === this.tail && this.live === this.P) {
      if (!this.eraseAllowed) throw fwError("ERASE_LOW_BATTERY", "the log needs a page erase: not on this battery");
      // The ring is full: drop the oldest page. Invalidate its header first so that a torn erase is seen
      // as a page being erased, not as records.
      this.rewrite(n, STATE_OFFSET, new Uint8Array(4)); // zeros
      this.live--;
      this.tail = (n + 1) % this.P;
      this.oldest = this.newest < 0 ? -1 : this.readFrom(this.first[this.tail], this.rec);
      this.store.erase(n);
      this.wear[n]++;
    } else {
      // Erase unless the page reads blank, checked a chunk at a time (never the whole page in RAM).
      for (let o = 0; o < this.pageSize; o += SCAN_CHUNK) {
        const len = Math.min(SCAN_CHUNK, this.pageSize - o);
        const b = this.store.read(n, o, len);
        let i = 0;
        while (i < len && b[i] === 0xff) i++;
        if (i < len) {
          if (!this.eraseAllowed) throw fwError("ERASE_LOW_BATTERY", "the log needs a page erase: not on this battery");
          this.store.erase(n);
          this.wear[n]++;
          break;
        }
      }
    }
    this.spare = n;
  }

  // ---------------------------------------------------------------- read

  /** Copies the first valid record with seq >= `seq` into `out` (16 bytes) and returns its seq, or -1. */
  readFrom(seq: number, out: Uint8Array): number {
    if (!this.mounted || this.live === 0) return -1;
    for (let k = 0; k < this.live; k++) {
      const p = (this.tail + k) % this.P;
      const end = p === this.head ? this.nextSlot : this.S;
      const f = this.first[p];
      if (seq >= f + end) continue;
      for (let s = seq > f ? seq - f : 0; s < end; s++) {
        const b = this.store.read(p, HEADER_SIZE + s * RECORD_SIZE, RECORD_SIZE);
        const c = classifySlot(b, f + s); // verified here: counted now, not left to verifyRead()
        if (c === S_VALID) {
          for (let i = 0; i < RECORD_SIZE; i++) out[i] = b[i];
          return f + s;
        }
        if (c !== S_BLANK && f + s > this.badSeenAt) {
          // counted once while reading forwards (verifyRead() the same way: a helper would cost RAM)
          if (c === S_BAD) this.badSeen++;
          else this.tornSeen++;
          this.badSeenAt = f + s;
        }
      }
    }
    return -1;
  }

  /**
   * Copies up to `max` committed records with seq >= `seq` into `out` (16 bytes each, back to back) and returns
   * how many: the report's send path. Reads straight from the pages with a cursor (page, slot): a call whose
   * `seq` is where the previous one stopped (its last record's seq + 1) reads on without a search, and one
   * flash read fetches the slots of a page run at once. Any other seq, or a page recycled meanwhile, costs one
   * search over the live pages' first seqs (never over records).
   * A slot is handed out when its check is committed (not 0xFFFF) and its seq is the one its place gives; its
   * check is NOT verified here (one E.CRC32 per record was most of a sync's CPU time on the cap): the check
   * travels with the record and the receiver verifies it (docs/protocol.md 3.2), and verifyRead() checks every
   * slot read here afterwards, counting the corrupt ones. Blank, uncommitted and misplaced slots are skipped.
   */
  readMany(seq: number, out: Uint8Array, max: number): number {
    let n = 0;
    const P = this.P;
    if (!this.mounted) return 0;
    while (n < max) {
      let p = this.cp;
      if (seq !== this.cseq || p < 0 || (p - this.tail + P) % P >= this.live || this.first[p] + this.cs !== seq) {
        // Search: the live page holding seq (or the first page after it).
        p = -1;
        for (let k = 0; k < this.live; k++) {
          const q = (this.tail + k) % P;
          if (seq < this.first[q] + this.S) {
            p = q;
            break;
          }
        }
        if (p < 0) break;
        this.cs = seq > this.first[p] ? seq - this.first[p] : 0;
        seq = this.first[p] + this.cs;
      }
      this.cp = p;
      const end = p === this.head ? this.nextSlot : this.S;
      let s = this.cs;
      if (s >= end) {
        this.cseq = seq;
        if (p === this.head) break;
        seq = this.first[p] + this.S; // the next page (searched: seqs of pages need not be contiguous)
        this.cp = -1;
        continue;
      }
      const run = end - s < max - n ? end - s : max - n;
      const len = run * RECORD_SIZE;
      // One slot more when the page has one: the slot after each one is looked at (below).
      const b = this.store.read(p, HEADER_SIZE + s * RECORD_SIZE, s + run < end ? len + RECORD_SIZE : len);
      // What verifyRead() has to check: seq .. seq + run - 1 joins the range (inline: a function costs RAM).
      if (this.vLo < 0 || seq < this.vLo) this.vLo = seq;
      if (seq + run - 1 > this.vHi) this.vHi = seq + run - 1;
      // No function call per slot as a rule (each costs time on Espruino). While every slot so far is handed
      // out, nothing is copied: the run goes into `out` with one set() at the end.
      const n0 = n;
      let hole = -1; // offset in b of the first slot not copied in place, -1 while none
      for (let o = 0; o < len; o += RECORD_SIZE) {
        const q = o + RECORD_SIZE;
        let ok = (b[o + 14] & b[o + 15]) !== 0xff &&
          ((b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0) === seq;
        // A power cut during the commit write leaves a check that looks committed but is torn. Such a slot is
        // the last one written before a reboot, so the slot after it holds the next boot's SEQ_SKIPPED (or
        // BOOT) record, or is torn or blank itself, or is on the next page: only then is the check verified
        // here, so that the remains of an append a power cut interrupted never go out as a record (its seq is
        // skipped). (A write that failed without a cut, retried by append() in the next slot, can go out: the
        // app's check refuses it as it refuses corruption, and verifyRead() counts it.)
        if (ok && (q >= b.length || b[q + 8] === T_SEQ_SKIPPED || b[q + 8] === T_BOOT || (b[q + 14] & b[q + 15]) === 0xff)) {
          ok = classifySlot(b.subarray(o, q), seq) === S_VALID;
        }
        if (ok) {
          if (hole >= 0) out.set(b.subarray(o, q), RECORD_SIZE * n);
          n++;
        } else if (hole < 0) {
          hole = o;
          out.set(b.subarray(0, o), RECORD_SIZE * n0);
        }
        seq++;
      }
      if (hole < 0) out.set(b.length > len ? b.subarray(0, len) : b, RECORD_SIZE * n0);
      s += run;
      this.cs = s;
      this.cseq = seq;
    }
    return n;
  }

  /**
   * Checks up to `max` of the slots readMany() looked at (in seq order; a range read again is checked again)
   * and counts the corrupt and torn ones in badSeen / tornSeen, each once while reads go forwards (as readFrom(),
   * which verifies as it reads, counts them): the cap's own account of corruption met while reporting. main.ts calls it in its housekeeping tick and reports badSeen's growth as LOG_CORRUPTION.
   * Returns true while more is waiting.
   */
  verifyRead(max: number): boolean {
    const P = this.P;
    while (max > 0 && this.vLo >= 0) {
      let seq = this.vLo;
      let p = -1;
      for (let k = 0; k < this.live; k++) {
        const q = (this.tail + k) % P;
        if (seq < this.first[q] + this.S) {
          p = q;
          break;
        }
      }
      const f = p < 0 ? 0 : this.first[p];
      if (seq < f) seq = f; // those seqs left the log (or never were): nothing to check
      const s = seq - f;
      let run = (p === this.head ? this.nextSlot : this.S) - s;
      if (run > max) run = max;
      if (run > this.vHi - seq + 1) run = this.vHi - seq + 1;
      if (p < 0 || run <= 0) {
        this.vLo = -1;
        break;
      }
      const b = this.store.read(p, HEADER_SIZE + s * RECORD_SIZE, run * RECORD_SIZE);
      for (let o = 0; o < run * RECORD_SIZE; o += RECORD_SIZE) {
        // The common case written out (each function call costs on Espruino): the check holds and the slot
        // carries its own seq (recordCheck() never gives 0xFFFF). `E.CRC32` straight; Node tests install crcFn.
        const k = (crcFn ? crcFn(b, o, 14) : E.CRC32(b.subarray(o, o + 14))) & 0xffff;
        if (k === 0xffff || b[o + 14] !== (k & 0xff) || b[o + 15] !== k >> 8 ||
            ((b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0) !== seq) {
          const c = classifySlot(b.subarray(o, o + RECORD_SIZE), seq);
          if (c !== S_VALID && c !== S_BLANK && seq > this.badSeenAt) {
            if (c === S_BAD) this.badSeen++;
            else this.tornSeen++;
            this.badSeenAt = seq;
          }
        }
        seq++;
      }
      max -= run;
      this.vLo = seq > this.vHi ? -1 : seq;
    }
    if (this.vLo < 0) this.vHi = -1; // nothing waits: the next read's range starts afresh
    return this.vLo >= 0;
  }

  count(): number {
    return this.newest < 0 || this.oldest < 0 ? 0 : this.newest - this.oldest + 1;
  }
  oldestSeq(): number {
    return this.oldest;
  }
  newestSeq(): number {
    return this.newest;
  }

  stats(): LogStats {
    let mn = -1;
    let mx = 0;
    const per: number[] = [];
    for (let p = 0; p < this.P; p++) {
      const e = this.wear[p];
      per.push(e);
      if (mn < 0 || e < mn) mn = e;
      if (e > mx) mx = e;
    }
    return {
      pageSize: this.pageSize,
      pageCount: this.P,
      recordsPerPage: this.S,
      capacity: this.capacity,
      used: this.count(),
      livePages: this.live,
      eraseMin: mn,
      eraseMax: mx,
      eraseCounts: per,
      badSlotsSeen: this.badSeen,
      tornSlotsSeen: this.tornSeen,
      nextSeq: this.first[this.head] + (this.nextSlot >= this.S ? this.S : this.nextSlot),
    };
  }
}

/**
 * Classifies the 16-byte slot `b` (as read from the store) whose seq must be `exp`: blank, a valid record, a
 * torn write (what a power cut during the 5-write commit leaves), or anything else (corruption).
 */
function classifySlot(b: Uint8Array, exp: number): number {
  if (slotBlank(b)) return S_BLANK;
  const w0 = get32(b, 0);
  if (recordValid(b)) return w0 === exp ? S_VALID : S_BAD;
  let j = 3;
  while (j > 0 && get32(b, j * 4) === 0xffffffff) j--;
  if (j === 0) return ((w0 & exp) >>> 0) === exp ? S_TORN : S_BAD; // cut while writing word 0
  if (w0 !== exp) return S_BAD;
  if (j < 3) return S_TORN; // cut while writing word 1 or 2
  const stored = get16(b, 14);
  if (stored === CHECK_UNCOMMITTED) return S_TORN; // cut before or during the first write of word 3
  const truth = recordCheck(b);
  // Cut during the commit write: the check can only have more 1-bits than the true one.
  return (stored & truth) === truth ? S_TORN : S_BAD;
}
