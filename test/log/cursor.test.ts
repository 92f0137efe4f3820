// DoseLog.readMany(): the read cursor the RACP streams from (docs/architecture.md, "Log API"). Every case
// compares it with readFrom(), the per-record search it replaces, on the NOR flash model: page wraps, a page
// recycled under the cursor, appends while reading, corrupt and torn slots. readMany() does not verify the
// check (the receiver does: docs/protocol.md 3.2): a committed slot that keeps its seq is handed out as stored,
// corrupt or not, and DoseLog.verifyRead() counts the corrupt ones afterwards; readFrom() verifies.
import { beforeAll, describe, expect, it } from "vitest";
import { DoseLog } from "../../firmware/log/log.js";
import { recordValid, recSeq, T_DOSE } from "../../firmware/log/record.js";
import { installCrc, makeFlash, norPage } from "./helpers.js";

beforeAll(installCrc);

const PAGE = 256; // 32-byte header + 14 slots
const SLOTS = 14;

/** What readFrom() gives from seq on, up to max records: the reference. */
function reference(log: DoseLog, seq: number, max: number): string[] {
  const out: string[] = [];
  const b = new Uint8Array(16);
  while (out.length < max) {
    const got = log.readFrom(seq, b);
    if (got < 0) break;
    out.push(Buffer.from(b).toString("hex"));
    seq = got + 1;
  }
  return out;
}

function many(log: DoseLog, seq: number, max: number): string[] {
  const out = new Uint8Array(16 * max).fill(0xaa);
  const n = log.readMany(seq, out, max);
  expect(n).toBeLessThanOrEqual(max);
  return Array.from({ length: n }, (_, i) => Buffer.from(out.subarray(i * 16, i * 16 + 16)).toString("hex"));
}

const valid = (h: string) => recordValid(Buffer.from(h, "hex"));

function seqs(hexes: string[]): number[] {
  return hexes.map((h) => recSeq(Buffer.from(h, "hex"), 0));
}

function fresh(pages = 5) {
  const { nor, store } = makeFlash(PAGE, pages);
  const log = new DoseLog(store);
  log.mount();
  let t = 1764000000;
  const add = (n: number) => {
    for (let i = 0; i < n; i++) log.append(T_DOSE, 0x10, t++, 8, 0x0915);
  };
  /** Overwrites word 2 of the slot holding seq (page found by the log's stats): the check no longer holds. */
  const corrupt = (seq: number) => {
    for (let p = 0; p < pages; p++) {
      const base = 0x10000000 + norPage(pages, p) * PAGE;
      for (let s = 0; s < SLOTS; s++) {
        const b = nor.read(base + 32 + s * 16, 16);
        if (recSeq(b, 0) === seq && b[8] !== 0xff) {
          nor.writeWords(base + 32 + s * 16 + 8, new Uint8Array([0x00, 0x00, 0x00, 0x00]));
          return;
        }
      }
    }
    throw new Error(`seq ${seq} not found`);
  };
  return { nor, log, add, corrupt };
}

describe("DoseLog.readMany (the read cursor)", () => {
  it("streams the whole log in order across page boundaries and a wrapped ring, as readFrom does", () => {
    const { log, add } = fresh();
    add(100); // 5 pages of 14: the ring has wrapped more than once
    const oldest = log.oldestSeq();
    expect(oldest).toBeGreaterThan(1);
    for (const k of [1, 3, 5, 14, 15]) {
      const got: string[] = [];
      let seq = oldest;
      for (;;) {
        const part = many(log, seq, k);
        if (part.length === 0) break;
        got.push(...part);
        seq = seqs(part)[part.length - 1] + 1;
      }
      expect(got).toEqual(reference(log, oldest, 1000));
      expect(seqs(got)).toEqual(Array.from({ length: log.newestSeq() - oldest + 1 }, (_, i) => oldest + i));
    }
  });

  it("a seq below the oldest starts at the oldest; one above the newest gives nothing until it is appended", () => {
    const { log, add } = fresh();
    add(60);
    expect(many(log, 0, 3)).toEqual(reference(log, log.oldestSeq(), 3));
    const next = log.newestSeq() + 1;
    expect(many(log, next, 3)).toEqual([]);
    add(2);
    expect(seqs(many(log, next, 3))).toEqual([next, next + 1]);
  });

  it("records appended while reading are read on, also when they open a new page", () => {
    const { log, add } = fresh();
    add(12); // page 0 nearly full
    let seq = 1;
    const got: number[] = [];
    for (let round = 0; round < 10; round++) {
      const part = seqs(many(log, seq, 3));
      got.push(...part);
      if (part.length) seq = part[part.length - 1] + 1;
      add(2);
    }
    got.push(...seqs(many(log, seq, 100)));
    expect(got).toEqual(Array.from({ length: 32 }, (_, i) => i + 1));
  });

  it("a page recycled under the cursor (the ring wrapped meanwhile): reading goes on from the oldest record still held", () => {
    const { log, add } = fresh(4); // capacity 2 x 14
    add(30);
    const first = seqs(many(log, log.oldestSeq(), 3));
    expect(first).toEqual(reference(log, log.oldestSeq(), 3).map((h) => recSeq(Buffer.from(h, "hex"), 0)));
    const next = first[2] + 1;
    add(40); // the cursor's page is erased and rewritten with newer records
    expect(log.oldestSeq()).toBeGreaterThan(next);
    expect(many(log, next, 3)).toEqual(reference(log, next, 3));
    expect(seqs(many(log, next, 3))[0]).toBe(log.oldestSeq());
  });

  it("hands out corrupt slots that keep their seq as stored, but checks a page's last slot; verifyRead counts each once", () => {
    const { log, add, corrupt } = fresh();
    add(40);
    corrupt(5);
    corrupt(14); // the last slot of page 0
    corrupt(15); // the first slot of page 1
    const all: string[] = [];
    let seq = 1;
    for (;;) {
      const part = many(log, seq, 3);
      if (!part.length) break;
      all.push(...part);
      seq = seqs(part)[part.length - 1] + 1;
    }
    // 14 ends its page: where a torn commit can sit, the check is verified (as after a SEQ_SKIPPED, below)
    expect(seqs(all)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1).filter((s) => s !== 14));
    // the receiver's check refuses the other two
    expect(seqs(all.filter((h) => !valid(h)))).toEqual([5, 15]);
    expect(log.badSeen).toBe(0); // not checked while sending
    expect(log.verifyRead(14)).toBe(true); // more waiting
    expect(log.badSeen).toBe(2); // 5 and 14 within the first 14 seqs
    expect(log.verifyRead(100)).toBe(false);
    expect(log.badSeen).toBe(3);
    expect(all.filter(valid)).toEqual(reference(log, 1, 40)); // the rest: what readFrom (which verifies) gives
    // Reading the same range again checks it again but counts nothing twice (as readFrom counted them).
    many(log, 1, 40);
    expect(log.verifyRead(100)).toBe(false);
    expect(log.badSeen).toBe(3);
    // A new mount checks again what reads meet (mount's own reads first: the oldest record).
    log.mount();
    log.verifyRead(100);
    expect(log.badSeen).toBe(0);
    many(log, 10, 10);
    log.verifyRead(100);
    expect(log.badSeen).toBe(2); // 14 and 15
  });

  it("a record whose check lost a bit in either byte (a flipped bit in flash) fails the receiver's check and is counted; readFrom skips it", () => {
    const { nor, log, add } = fresh();
    add(20);
    // Clear one set bit of byte 14 (low) or 15 (high) of the stored check of seq (a NOR write only clears bits).
    const flip = (seq: number, byte: 14 | 15) => {
      for (let p = 0; p < 5; p++) {
        const base = 0x10000000 + norPage(5, p) * PAGE;
        for (let s = 0; s < SLOTS; s++) {
          const a = base + 32 + s * 16;
          const b = nor.read(a, 16);
          if (recSeq(b, 0) !== seq || b[8] === 0xff) continue;
          const w = b.slice(12, 16);
          expect(w[byte - 12], `seq ${seq} byte ${byte}`).not.toBe(0);
          w[byte - 12] &= w[byte - 12] - 1;
          nor.writeWords(a + 12, w);
          return;
        }
      }
      throw new Error(`seq ${seq} not found`);
    };
    // Records whose check byte has a bit to lose (a check of 0x00 in that byte cannot flip further down).
    const b = new Uint8Array(16);
    const pick = (byte: number, from: number) => {
      for (let seq = from; ; seq++) if (log.readFrom(seq, b) === seq && b[byte] !== 0) return seq;
    };
    const hi = pick(15, 3);
    const lo = pick(14, hi + 1);
    flip(hi, 15);
    flip(lo, 14);
    const got = many(log, 1, 20);
    expect(seqs(got.filter((h) => !valid(h))).sort((a, b) => a - b)).toEqual([hi, lo].sort((a, b) => a - b));
    expect(got.length).toBe(20);
    expect(got.filter(valid)).toEqual(reference(log, 1, 20));
    expect(reference(log, 1, 20).length).toBe(18);
    log.verifyRead(100);
    expect(log.badSeen).toBe(2);
  });

  it("random reads, seeks and appends agree with readFrom (its valid records; the rest are the corrupted seqs)", () => {
    const { log, add, corrupt } = fresh(6);
    let x = 12345;
    const rnd = (n: number) => {
      x = (x * 1103515245 + 12345) & 0x7fffffff;
      return x % n;
    };
    add(20);
    let seq = 1;
    const damaged = new Set<number>();
    for (let i = 0; i < 400; i++) {
      const op = rnd(10);
      if (op < 3) add(1 + rnd(20));
      else if (op === 3) seq = rnd(log.newestSeq() + 3);
      else if (op === 4 && log.newestSeq() > 0) {
        const s = log.oldestSeq() + rnd(log.newestSeq() - log.oldestSeq() + 1);
        try {
          corrupt(s);
          damaged.add(s);
        } catch {
          /* already damaged */
        }
      } else {
        const k = 1 + rnd(5);
        const got = many(log, seq, k);
        const gs = seqs(got);
        for (let j = 1; j < gs.length; j++) expect(gs[j]).toBeGreaterThan(gs[j - 1]);
        for (const h of got) if (!valid(h)) expect(damaged.has(recSeq(Buffer.from(h, "hex"), 0))).toBe(true);
        // readFrom's records over the same seqs (all of them when readMany ran out)
        const last = got.length === k ? gs[gs.length - 1] : Infinity;
        const want = reference(log, seq, 100000).filter((h) => recSeq(Buffer.from(h, "hex"), 0) <= last);
        expect(got.filter(valid)).toEqual(want);
        if (got.length) seq = gs[gs.length - 1] + 1;
      }
    }
  });
});
