// The state area: the cap's per-event state (the open-session marker, the boot count and crash history) in two
// flash pages of the log region, as 16-byte STATE records (type 0x10) written with the log's commit protocol,
// so that nothing written per event goes through Storage (whose compaction can destroy .bootcde on a power
// cut). Format: docs/log-format.md, "State area".
//
// Each change writes the whole state as a new record in the next slot; the newest valid one (highest serial)
// wins at boot. When a page is full the other page is erased (only if it is not blank, and only when erases
// are allowed) and filling goes on there: the full page still holds the newest state until the first record of
// the other page is committed, so a power cut at any word write or erase leaves the state of before or after.
import { fwError } from "../errors";
import type { PageStore } from "./log";
import { encodeRecord, get16, get32, recordValid, RECORD_SIZE, slotBlank } from "./record";

/** Record type of a state record (docs/log-format.md, "State area"); never appended to the dose log. */
export const T_STATE = 0x10;
/** flags bit 0: safe mode. */
export const STATE_SAFE = 1;
/** The kind of change, byte 3 of a state record (the last byte of its first word, written first): 0x00 for a
 *  removal's commit (the marker set), 0xFF for any other. A write only clears bits, so a commit torn in its first
 *  word leaves byte 3 at 0xFF for any other kind, and below 0xFF for a removal's unless none of its 8 bits had
 *  cleared yet (1 in 256 with the NOR model's torn word). */
export const KIND_MARKER_SET = 0x00;
export const KIND_OTHER = 0xff;
/** `marker` after mount when the commit that followed the newest state was a removal's, torn by a power cut: a
 *  session was opened and its seq is the log's newest at mount (main.ts resolves it). Never a real marker. */
export const MARKER_TORN = 0xffffffff;

// A const enum: the bundler writes the numbers into the code (no RAM on Espruino).
const enum SA {
  CHUNK = 256,
}

export class StateArea {
  private store: PageStore;
  /** Store page index of the first of the two pages. */
  private p0: number;
  /** Slots per page: the page holds records only, no header. */
  private S: number;
  /** The page being filled (0 or 1) and its next slot. */
  private page = 0;
  private slot = 0;
  /** Serial of the newest state record, 0 when none was found. */
  serial = 0;
  /** The open-session marker: the log's newest seq at the removal + 2; 0 when no session is open. */
  marker = 0;
  bootCount = 0;
  crashes = 0;
  /** STATE_SAFE or 0. */
  flags = 0;
  /** Cleared by the power supervisor below the erase threshold: a page change then fails (STATE_ERASE) rather
   *  than erase on a weak cell. */
  eraseAllowed = true;
  private rec = new Uint8Array(RECORD_SIZE + 4);

  constructor(store: PageStore, firstPage: number) {
    this.store = store;
    this.p0 = firstPage;
    this.S = Math.floor(store.pageSize / RECORD_SIZE);
  }

  /** Reads both pages (a chunk at a time) and loads the newest valid state. Returns false when there is none. */
  mount(): boolean {
    const S = this.S;
    this.serial = 0;
    this.page = 0;
    this.slot = 0;
    for (let pg = 0; pg < 2; pg++) {
      for (let o = 0; o < this.store.pageSize; o += SA.CHUNK) {
        const b = this.store.read(this.p0 + pg, o, SA.CHUNK);
        for (let i = 0; i < SA.CHUNK; i += RECORD_SIZE) {
          const r = b.subarray(i, i + RECORD_SIZE);
          const serial = get32(r, 0) & 0xffffff;
          if (r[8] === T_STATE && recordValid(r) && serial > this.serial) {
            this.serial = serial;
            this.marker = get32(r, 4);
            this.flags = r[9];
            this.bootCount = get16(r, 10);
            this.crashes = get16(r, 12);
            this.page = pg;
            this.slot = (o + i) / RECORD_SIZE + 1;
          }
        }
      }
    }
    if (this.slot > S) this.slot = S;
    // The slot the next commit would have used: a removal's commit torn there (its kind byte survived) means a
    // session was opened just before the power went (docs/log-format.md, "State area").
    // Only inside the page: the other page's first slot may hold a stale record of its previous round.
    if (this.serial > 0 && !this.marker && this.slot < S) {
      const r = this.store.read(this.p0 + this.page, this.slot * RECORD_SIZE, RECORD_SIZE);
      if (r[3] !== 0xff && !recordValid(r)) this.marker = MARKER_TORN;
    }
    return this.serial > 0;
  }

  /**
   * Writes the fields as a new state record (`kind`: KIND_MARKER_SET for a removal's, else KIND_OTHER): words 0-2, word 3 with the check left at 0xFFFF, word 3 with the
   * check (the commit), each read back by the store. A slot that is not blank is skipped. Throws ERASE_LOW_BATTERY
   * when a page change needs an erase that is not allowed, or the store's errors.
   */
  commit(kind?: number): void {
    const st = this.store;
    let failures = 0;
    for (;;) {
      if (this.slot >= this.S) {
        const other = 1 - this.page;
        // Erase the other page unless it reads blank (checked a chunk at a time).
        for (let o = 0; o < st.pageSize; o += SA.CHUNK) {
          const b = st.read(this.p0 + other, o, SA.CHUNK);
          let i = 0;
          while (i < SA.CHUNK && b[i] === 0xff) i++;
          if (i < SA.CHUNK) {
            if (!this.eraseAllowed) throw fwError("ERASE_LOW_BATTERY", "the state area needs a page erase: not on this battery");
            st.erase(this.p0 + other);
            break;
          }
        }
        this.page = other;
        this.slot = 0;
      }
      const p = this.p0 + this.page;
      const off = this.slot * RECORD_SIZE;
      this.slot++;
      if (!slotBlank(st.read(p, off, RECORD_SIZE))) continue;
      const r = this.rec;
      encodeRecord(r, ((this.serial + 1) | ((kind === KIND_MARKER_SET ? 0 : 0xff) << 24)) >>> 0, T_STATE, this.flags, this.marker, this.bootCount, this.crashes);
      const w = r.subarray(RECORD_SIZE, RECORD_SIZE + 4);
      w[0] = r[12];
      w[1] = r[13];
      w[2] = 0xff;
      w[3] = 0xff;
      try {
        st.write(p, off, r.subarray(0, 12));
        st.write(p, off + 12, w);
        st.write(p, off + 12, r.subarray(12, 16));
      } catch (e: any) {
        // A write that did not read back: that slot is spent, try the next (as the log's append does).
        if (!(e && e.code === "LOG_VERIFY") || ++failures >= 3) throw e;
        continue;
      }
      this.serial++;
      return;
    }
  }
}
