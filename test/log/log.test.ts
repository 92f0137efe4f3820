import { beforeAll, describe, expect, it } from "vitest";
import { turn } from "../turn.js";
import { DoseLog, type PageStore } from "../../firmware/log/log.js";
import { encodeRecord, recA, recSeq, T_DOSE, T_SEQ_SKIPPED } from "../../firmware/log/record.js";
import { PowerCutError } from "../../sim/flash/nor.js";
import { classifyHeader, encodeHeader, headerCheck, H_OTHER } from "../../firmware/log/page.js";
import { installCrc, makeFlash, norPage } from "./helpers.js";
import { Harness, recOf } from "./harness.js";

beforeAll(installCrc);

describe("DoseLog basics", () => {
  it("formats a blank region with no erase, appends, reads back and recovers after a reboot", () => {
    const { nor, store } = makeFlash(1024, 4);
    const log = new DoseLog(store);
    const rep = log.mount();
    expect(rep).toMatchObject({ formatted: true, reason: "blank", erases: 0, livePages: 1 });
    expect(log.count()).toBe(0);
    expect(log.oldestSeq()).toBe(-1);
    expect(log.newestSeq()).toBe(-1);
    expect(log.readFrom(0, new Uint8Array(16))).toBe(-1);
    for (let k = 0; k < 100; k++) {
      const r = recOf(k);
      expect(log.append(r.type, r.flags, r.time, r.a, r.b)).toBe(k + 1);
    }
    expect(log.count()).toBe(100);
    expect([log.oldestSeq(), log.newestSeq()]).toEqual([1, 100]);
    const out = new Uint8Array(16);
    expect(log.readFrom(50, out)).toBe(50);
    expect(recA(out, 0)).toBe(49);
    const log2 = new DoseLog(store);
    expect(log2.mount()).toMatchObject({ formatted: false, erases: 0, livePages: 2, tornSlots: 0, badSlots: 0 });
    expect([log2.oldestSeq(), log2.newestSeq(), log2.count()]).toEqual([1, 100, 100]);
    expect(log2.append(T_DOSE, 0, 5, 6, 7)).toBe(101);
    expect(nor.erases).toBe(0);
  });

  it("on a weak cell (eraseAllowed false) a full ring keeps its oldest page: the append that needs an erase throws, nothing is erased", () => {
    const { nor, store } = makeFlash(256, 4); // 14 slots a page
    const log = new DoseLog(store);
    log.mount();
    let k = 0;
    const add = () => { const r = recOf(k++); return log.append(r.type, r.flags, r.time, r.a, r.b); };
    while (log.stats().livePages < 4) add(); // every page holds records: the next page change drops the oldest
    log.eraseAllowed = false;
    const erases = nor.erases;
    const oldest = log.oldestSeq();
    let err: any = null;
    for (let i = 0; i < 14 && !err; i++) {
      try { add(); } catch (e) { err = e; }
    }
    expect(err && err.code).toBe("ERASE_LOW_BATTERY");
    expect(nor.erases).toBe(erases);
    expect(log.oldestSeq()).toBe(oldest);
    expect(log.readFrom(oldest, new Uint8Array(16))).toBe(oldest);
    // with a fresh cell the same append goes through (one erase: the oldest page)
    log.eraseAllowed = true;
    add();
    expect(nor.erases).toBe(erases + 1);
  });

  it("formats a region of foreign data with a single erase", () => {
    const { nor, store } = makeFlash(1024, 4);
    nor.writeWords(0x10000000, new Uint8Array(4096).map((_, i) => (i * 37) & 0xff));
    const log = new DoseLog(store);
    const erasesBefore = nor.erases;
    expect(log.mount()).toMatchObject({ formatted: true, reason: "foreign", erases: 1 });
    expect(nor.erases - erasesBefore).toBe(1);
    for (let k = 0; k < 200; k++) log.append(T_DOSE, 0, k, k, 0); // needs the other pages: erased lazily
    const log2 = new DoseLog(store);
    log2.mount();
    expect(log2.newestSeq()).toBe(200);
  });

  it("wraps, keeps at least (pages - 2) pages of records, spreads erases evenly", () => {
    const { store } = makeFlash(256, 6); // 14 records per page
    const log = new DoseLog(store);
    log.mount();
    for (let k = 0; k < 14 * 6 * 20; k++) {
      log.append(T_DOSE, 0, k, k & 0xffff, 0);
      if (k % 3 === 0) log.maintain();
    }
    const st = log.stats();
    expect(st.recordsPerPage).toBe(14);
    expect(st.capacity).toBe(14 * 4);
    expect(st.used).toBeGreaterThanOrEqual(st.capacity);
    expect(st.eraseMax - st.eraseMin).toBeLessThanOrEqual(1);
    expect(st.eraseMin).toBeGreaterThanOrEqual(18);
    const n = log.newestSeq();
    const out = new Uint8Array(16);
    for (let s = log.oldestSeq(); s <= n; s++) {
      expect(log.readFrom(s, out)).toBe(s);
      expect(recSeq(out, 0)).toBe(s);
    }
    // Reboot: erase counts come back from the page headers (the erased spare page has no header yet: its
    // count is estimated as the highest known one).
    const log2 = new DoseLog(store);
    log2.mount();
    log2.stats().eraseCounts.forEach((c, p) => expect(Math.abs(c - st.eraseCounts[p])).toBeLessThanOrEqual(1));
    expect(log2.newestSeq()).toBe(n);
  });

  it("a 4 KiB page holds at least 250 records", () => {
    const { store } = makeFlash(4096, 3);
    const log = new DoseLog(store);
    expect(log.stats().recordsPerPage).toBe(254);
  });

  it("maintain() erases at most one page per call and never the head page", () => {
    const { nor, store } = makeFlash(256, 4);
    const log = new DoseLog(store);
    log.mount();
    for (let k = 0; k < 200; k++) {
      const before = nor.erases;
      log.maintain();
      expect(nor.erases - before).toBeLessThanOrEqual(1);
      log.append(T_DOSE, 0, k, 0, 0);
    }
  });

  it("rejects fields out of range and use before mount", () => {
    const { store } = makeFlash(256, 3);
    const log = new DoseLog(store);
    expect(() => log.append(T_DOSE, 0, 0, 0, 0)).toThrow();
    try { log.append(T_DOSE, 0, 0, 0, 0); } catch (e) { expect(e).toMatchObject({ code: "LOG_NOT_MOUNTED" }); }
    log.mount();
    try { log.append(T_DOSE, 0, 0, 0x10000, 0); } catch (e) { expect(e).toMatchObject({ code: "LOG_ARG" }); }
    expect(() => new DoseLog({ ...store, pageCount: 2, pageSize: 256, read: store.read, write: store.write, erase: store.erase })).toThrow();
  });

  it("a silently failed write is caught by read-back: the slot is skipped, the record lands in the next one", () => {
    const { nor, store } = makeFlash(256, 4);
    const log = new DoseLog(store);
    log.mount();
    log.append(T_DOSE, 0, 1, 1, 0);
    nor.failSilently(1);
    const seq = log.append(T_DOSE, 0, 2, 2, 0);
    expect(seq).toBe(3); // seq 2's slot did not verify and is never used
    const out = new Uint8Array(16);
    expect(log.readFrom(2, out)).toBe(3);
    const log2 = new DoseLog(store);
    log2.mount();
    expect(log2.readFrom(2, out)).toBe(3);
    expect(log2.append(T_DOSE, 0, 3, 3, 0)).toBe(4);
  });

  it("keeps the sequence above records of another format version (upgrade/downgrade never reuses seqs)", () => {
    const { nor, store } = makeFlash(256, 4);
    // A page written by a future format version 2, its records up to seq 5000 + 14.
    const h = new Uint8Array(32);
    encodeHeader(h, 9, 5000, 3, 256);
    h[4] = 2;
    // Re-seal the header check for the changed version byte.
    const c = headerCheck(h);
    h[24] = c & 0xff; h[25] = (c >>> 8) & 0xff; h[26] = (c >>> 16) & 0xff; h[27] = c >>> 24;
    expect(classifyHeader(h, 256)).toBe(H_OTHER);
    nor.writeWords(0x10000000 + norPage(4, 2) * 256, h.subarray(0, 28));
    const log = new DoseLog(store);
    expect(log.mount()).toMatchObject({ formatted: true, reason: "version" });
    expect(log.append(T_DOSE, 0, 0, 0, 0)).toBe(5014);
  });
});

describe("power cut at every word write and every erase (exhaustive)", () => {
  // 5 pages of 256 bytes (14 records each); 220 appends wrap the ring about three times.
  const PAGES = 5;
  const SIZE = 256;
  const N = 220;
  const AFTER = 40; // appends after the reboot: the log keeps working

  function reference(): { words: number; erases: number } {
    const { nor, store } = makeFlash(SIZE, PAGES);
    const h = new Harness(nor, store);
    expect(h.run(N)).toBe(true);
    return { words: nor.wordWrites, erases: nor.erases };
  }

  function cutRun(kind: "wordWrite" | "erase", at: number): number {
    const { nor, store } = makeFlash(SIZE, PAGES, at * 7 + (kind === "erase" ? 1 : 0));
    nor.cutPowerAt({ kind, at });
    const h = new Harness(nor, store);
    const finished = h.run(N);
    expect(finished).toBe(false);
    const rep = h.reboot();
    expect(rep.badSlots).toBe(0); // a power cut is not corruption
    expect(h.run(AFTER)).toBe(true);
    const rep2 = h.reboot();
    expect(rep2.skippedCount).toBe(0); // no cut since: nothing new to report, the old report not repeated
    expect(h.run(5)).toBe(true);
    h.checkAccounted(1); // every seq was acknowledged or reported skipped (once, checked by reboot())
    return rep.skippedCount;
  }

  it("survives a cut at each of the workload's word writes", async () => {
    const ref = reference();
    expect(ref.words).toBeGreaterThan(N * 5);
    let skipped = 0;
    for (let at = 1; at <= ref.words; at++) {
      if (at % 50 === 0) await turn();
      try {
        if (cutRun("wordWrite", at) > 0) skipped++;
      } catch (e) {
        throw new Error(`cut at word write ${at}: ${(e as Error).message}`);
      }
    }
    // A cut inside a record's five writes leaves a torn slot (unless nothing was written yet): most cuts.
    expect(skipped).toBeGreaterThan(ref.words / 2);
  });

  it("survives a cut during each of the workload's erases", () => {
    const ref = reference();
    expect(ref.erases).toBeGreaterThan(PAGES * 2);
    for (let at = 1; at <= ref.erases; at++) {
      try {
        cutRun("erase", at);
      } catch (e) {
        throw new Error(`cut at erase ${at}: ${(e as Error).message}`);
      }
    }
  });
});

describe("mount reports the seqs a power cut left uncompleted (skippedFrom, skippedCount)", () => {
  // 4 pages of 256 bytes: 14 slots per page. A record is five word writes; a cut at the 3rd leaves word 0
  // written and word 1 partly: a torn slot whatever bits the cut kept.
  function setup() {
    const { nor, store } = makeFlash(256, 4, 3);
    const boot = () => {
      nor.disarm();
      nor.powerOn();
      const log = new DoseLog(store);
      return { log, rep: log.mount() };
    };
    const cutAppend = (log: DoseLog, at: number) => {
      nor.cutPowerAt({ kind: "wordWrite", at });
      expect(() => log.append(T_DOSE, 0, 1, 2, 3)).toThrow(PowerCutError);
    };
    return { nor, store, boot, cutAppend };
  }

  it("reports the torn slot once a cut interrupts an append; again while nothing follows it; not after the report", () => {
    const { boot, cutAppend } = setup();
    let { log, rep } = boot();
    expect(rep).toMatchObject({ formatted: true, skippedFrom: -1, skippedCount: 0 });
    for (let i = 0; i < 5; i++) log.append(T_DOSE, 0, 1, 2, 3);
    cutAppend(log, 3); // seq 6
    ({ log, rep } = boot());
    expect(rep).toMatchObject({ tornSlots: 1, skippedFrom: 6, skippedCount: 1 });
    // A second boot before anything was appended (the report never written): reported again.
    ({ log, rep } = boot());
    expect(rep).toMatchObject({ skippedFrom: 6, skippedCount: 1 });
    expect(log.append(T_SEQ_SKIPPED, 0, 0, rep.skippedFrom & 0xffff, rep.skippedCount)).toBe(7);
    // Reported: a valid record now follows the torn slot, so later boots do not report it again.
    ({ log, rep } = boot());
    expect(rep).toMatchObject({ tornSlots: 1, skippedFrom: -1, skippedCount: 0 });
    ({ log, rep } = boot());
    expect(rep).toMatchObject({ skippedFrom: -1, skippedCount: 0 });
    // A new cut: only the new torn slot is reported, not the older one inside the log.
    log.append(T_DOSE, 0, 1, 2, 3); // 8
    cutAppend(log, 4); // seq 9
    ({ log, rep } = boot());
    expect(rep).toMatchObject({ tornSlots: 2, skippedFrom: 9, skippedCount: 1 });
  });

  it("a cut while reporting joins the run: both seqs are reported by the next boot", () => {
    const { boot, cutAppend } = setup();
    let { log, rep } = boot();
    for (let i = 0; i < 3; i++) log.append(T_DOSE, 0, 1, 2, 3);
    cutAppend(log, 3); // seq 4
    ({ log, rep } = boot());
    expect(rep).toMatchObject({ skippedFrom: 4, skippedCount: 1 });
    cutAppend(log, 5); // the report (seq 5) cut in its commit write: torn
    ({ log, rep } = boot());
    expect(rep).toMatchObject({ tornSlots: 2, skippedFrom: 4, skippedCount: 2 });
    expect(log.stats().nextSeq).toBe(6);
  });

  it("follows the run back into the page before the head (a cut at a page's last slot, then one opening the next)", () => {
    const { boot, cutAppend } = setup();
    let { log, rep } = boot();
    for (let i = 0; i < 13; i++) log.append(T_DOSE, 0, 1, 2, 3); // seqs 1..13 in page 0
    cutAppend(log, 3); // seq 14: the last slot of page 0
    ({ log, rep } = boot());
    expect(rep).toMatchObject({ skippedFrom: 14, skippedCount: 1 });
    // The report's append opens page 1 (a 7-word header) and is cut in its record: slot 0 of page 1 torn.
    cutAppend(log, 7 + 3);
    ({ log, rep } = boot());
    expect(rep).toMatchObject({ livePages: 2, tornSlots: 1, skippedFrom: 14, skippedCount: 2 });
    expect(log.stats().nextSeq).toBe(16);
    expect(log.append(T_SEQ_SKIPPED, 0, 0, 14, 2)).toBe(16);
    ({ log, rep } = boot());
    expect(rep).toMatchObject({ skippedFrom: -1, skippedCount: 0 });
  });

  it("a head page with only its header: the torn slots at the end of the page before are still reported", () => {
    const { nor, store } = makeFlash(256, 4, 5);
    // A store that loses power just after the page header of the next page was written.
    let cutRecords = false;
    const cutting: PageStore = {
      pageSize: store.pageSize,
      pageCount: store.pageCount,
      read: (p, o, n) => store.read(p, o, n),
      erase: (p) => store.erase(p),
      write: (p, o, d) => {
        if (cutRecords && o >= 32) throw new PowerCutError("cut before the record");
        store.write(p, o, d);
      },
    };
    let log = new DoseLog(cutting);
    log.mount();
    for (let i = 0; i < 13; i++) log.append(T_DOSE, 0, 1, 2, 3);
    nor.cutPowerAt({ kind: "wordWrite", at: 4 });
    expect(() => log.append(T_DOSE, 0, 1, 2, 3)).toThrow(PowerCutError); // seq 14 torn
    nor.disarm();
    nor.powerOn();
    log = new DoseLog(cutting);
    expect(log.mount()).toMatchObject({ skippedFrom: 14, skippedCount: 1 });
    cutRecords = true;
    expect(() => log.append(T_SEQ_SKIPPED, 0, 0, 14, 1)).toThrow(PowerCutError); // page 1 opened, slot 0 blank
    cutRecords = false;
    log = new DoseLog(cutting);
    const rep = log.mount();
    expect(rep).toMatchObject({ livePages: 2, tornSlots: 0, skippedFrom: 14, skippedCount: 1 });
    expect(log.stats().nextSeq).toBe(15);
  });

  it("a bad slot ends the run: it may be a completed record that was damaged, so it is not called skipped", () => {
    const { nor, boot, cutAppend } = setup();
    let { log, rep } = boot();
    for (let i = 0; i < 3; i++) log.append(T_DOSE, 0, 1, 2, 3);
    // Damage record 3 (slot 2 of page 0) so that it no longer verifies and does not look torn.
    const addr = 0x10000000 + norPage(4, 0) * 256 + 32 + 2 * 16 + 8;
    nor.writeWords(addr, new Uint8Array([0x00, 0x00, 0x00, 0x00]));
    cutAppend(log, 3); // seq 4
    ({ log, rep } = boot());
    expect(rep).toMatchObject({ badSlots: 1, tornSlots: 1, skippedFrom: 4, skippedCount: 1 });
    expect(log.newestSeq()).toBe(2);
  });
});
