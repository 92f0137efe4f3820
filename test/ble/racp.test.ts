// The RACP engine over an in-memory log: every response code path, pacing, abort and dropped links.
import { describe, expect, it } from "vitest";
import { BleEngine } from "../../firmware/ble/engine";
import { Racp, RC_ABORT_UNSUCCESSFUL, RC_INVALID_OPERAND, RC_INVALID_OPERATOR, RC_NO_RECORDS, RC_NOT_COMPLETED,
  RC_OPERAND_NOT_SUPPORTED, RC_OPERATOR_NOT_SUPPORTED, RC_OP_NOT_SUPPORTED, RC_SUCCESS } from "../../firmware/ble/racp";
import { CH_RACP, CH_RECORDS } from "../../firmware/ble/uuids";
import { CaptureSender, FakeClock, hex, MemLog, MemStore, unhex } from "./fake-log";
import { exampleEngine } from "./fixture";

function logOf(n: number): MemLog {
  const log = new MemLog();
  for (let i = 0; i < n; i++) log.append(1, 0x10, 1764000000 + i * 60, 5, 0x0816);
  return log;
}
function racpOver(log: MemLog, mtu = 23) {
  const sender = new CaptureSender();
  const r = new Racp({ log, out: sender.send, clock: { now: () => 1764100000 }, update: () => {}, capConfirmed: true });
  r.mtu = mtu;
  return { r, sender };
}
const seqsOf = (pk: { ch: number; data: Uint8Array }[]) =>
  pk.filter((p) => p.ch === CH_RECORDS).flatMap((p) => Array.from({ length: p.data.length / 16 }, (_, i) => p.data[i * 16] | (p.data[i * 16 + 1] << 8)));
const responses = (pk: { ch: number; data: Uint8Array }[]) => pk.filter((p) => p.ch === CH_RACP).map((p) => hex(p.data));

describe("RACP response codes", () => {
  // [name, request, expected responses] over a log of seq 0..9
  const table: [string, string, string][] = [
    ["report all", "01 01", "06 00 01 01"],
    ["report <= 3", "01 02 01 03 00 00 00", "06 00 01 01"],
    ["report >= 8", "01 03 01 08 00 00 00", "06 00 01 01"],
    ["report range 2..4", "01 04 01 02 00 00 00 04 00 00 00", "06 00 01 01"],
    ["report first", "01 05", "06 00 01 01"],
    ["report last", "01 06", "06 00 01 01"],
    ["report >= 10: none", "01 03 01 0a 00 00 00", "06 00 01 06"],
    ["range beyond newest: none", "01 04 01 20 00 00 00 30 00 00 00", "06 00 01 06"],
    ["empty write", "", "06 00 00 02"],
    ["unknown op", "09 01", "06 00 09 02"],
    ["number response op is not a request", "05 00", "06 00 05 02"],
    ["response op is not a request", "06 00", "06 00 06 02"],
    ["op only", "01", "06 00 01 03"],
    ["null operator for report", "01 00", "06 00 01 03"],
    ["operator 7", "01 07", "06 00 01 04"],
    ["operator ff", "04 ff", "06 00 04 04"],
    ["all with operand", "01 01 00", "06 00 01 05"],
    ["first with operand", "01 05 01", "06 00 01 05"],
    [">= short operand", "01 03 01 03 00", "06 00 01 05"],
    [">= long operand", "01 03 01 03 00 00 00 00", "06 00 01 05"],
    [">= filter type 2", "01 03 02 03 00 00 00", "06 00 01 09"],
    [">= no filter type", "01 03", "06 00 01 05"],
    ["range min > max", "01 04 01 05 00 00 00 04 00 00 00", "06 00 01 05"],
    ["range short", "01 04 01 05 00 00 00", "06 00 01 05"],
    ["count all", "04 01", "05 00 0a 00 00 00"],
    ["count >= 7", "04 03 01 07 00 00 00", "05 00 03 00 00 00"],
    ["count first", "04 05", "05 00 01 00 00 00"],
    ["count none", "04 03 01 63 00 00 00", "05 00 00 00 00 00"],
    ["count bad operator", "04 00", "06 00 04 03"],
    ["abort idle", "03 00", "06 00 03 07"],
    ["abort with operator", "03 01", "06 00 03 03"],
    ["abort with operand", "03 00 00", "06 00 03 05"],
    ["delete null operator", "02 00", "06 00 02 03"],
    ["delete >=", "02 03 01 03 00 00 00", "06 00 02 04"],
    ["delete range", "02 04 01 01 00 00 00 02 00 00 00", "06 00 02 04"],
    ["delete first", "02 05", "06 00 02 04"],
    ["delete operator 9", "02 09", "06 00 02 04"],
    ["delete <= bad operand", "02 02 01 03", "06 00 02 05"],
    ["delete <= 3", "02 02 01 03 00 00 00", "06 00 02 01"],
    ["delete all", "02 01", "06 00 02 01"],
    ["annotate 4 units", "a1 00 03 00 00 00 08", "06 00 a1 01"],
    ["annotate operator", "a1 01 03 00 00 00 08", "06 00 a1 03"],
    ["annotate short", "a1 00 03 00 00 00", "06 00 a1 05"],
    ["annotate units 0", "a1 00 03 00 00 00 00", "06 00 a1 05"],
    ["annotate units ff", "a1 00 03 00 00 00 ff", "06 00 a1 05"],
    ["annotate seq > 24 bits", "a1 00 00 00 00 01 08", "06 00 a1 05"],
    ["annotate missing seq", "a1 00 63 00 00 00 08", "06 00 a1 06"],
    ["notification size 50", "a2 00 32", "06 00 a2 01"],
    ["notification size 20", "a2 00 14", "06 00 a2 01"],
    ["notification size 255", "a2 00 ff", "06 00 a2 01"],
    ["notification size 19", "a2 00 13", "06 00 a2 05"],
    ["notification size operator", "a2 01 32", "06 00 a2 03"],
    ["notification size no operand", "a2 00", "06 00 a2 05"],
    ["notification size long operand", "a2 00 32 00", "06 00 a2 05"],
    ["notification size op only", "a2", "06 00 a2 03"],
  ];
  it.each(table)("%s", (_n, req, resp) => {
    const { r, sender } = racpOver(logOf(10));
    r.write(unhex(req));
    expect(responses(sender.take())).toEqual([resp]);
    expect(r.reporting).toBe(false);
  });

  it("reports the right records for each operator", () => {
    const cases: [string, number[]][] = [
      ["01 01", [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]],
      ["01 02 01 03 00 00 00", [0, 1, 2, 3]],
      ["01 03 01 08 00 00 00", [8, 9]],
      ["01 04 01 02 00 00 00 04 00 00 00", [2, 3, 4]],
      ["01 05", [0]],
      ["01 06", [9]],
    ];
    for (const [req, seqs] of cases) {
      const { r, sender } = racpOver(logOf(10));
      r.write(unhex(req));
      expect(seqsOf(sender.take())).toEqual(seqs);
    }
  });

  it("packs floor((MTU-3)/16) whole records per notification", () => {
    for (const [mtu, k] of [[23, 1], [35, 2], [53, 3], [100, 6], [247, 15], [512, 15]]) {
      const { r, sender } = racpOver(logOf(40), mtu);
      r.write(unhex("01 01"));
      const p = sender.take().filter((x) => x.ch === CH_RECORDS);
      expect(p[0].data.length).toBe(16 * k);
      expect(p.length).toBe(Math.ceil(40 / k));
    }
  });

  it("skips holes and the overwritten part of a wrapped ring", () => {
    const log = new MemLog(6);
    for (let i = 0; i < 10; i++) {
      if (i === 7) log.hole();
      else log.append(1, 0, 1764000000 + i, 5, 0xff16);
    }
    const { r, sender } = racpOver(log);
    r.write(unhex("01 01"));
    const p = sender.take();
    expect(seqsOf(p)).toEqual([3, 4, 5, 6, 8, 9]); // 9 records in a 6-record ring; seq 7 a corrupt slot
    expect(responses(p)).toEqual(["06 00 01 01"]);
  });

  it("does not report deleted records, and a delete is a DELETE record", () => {
    const { engine, sender, log } = exampleEngine();
    engine.link(23);
    engine.trusted = true;
    engine.capConfirmed = true; // a delete needs the cap in hand
    engine.write(CH_RACP, unhex("02 02 01 02 00 00 00"));
    expect(log.newestSeq()).toBe(5);
    const b = new Uint8Array(16);
    log.readFrom(5, b);
    expect([b[8], b[10] | (b[11] << 8), b[12] | (b[13] << 8)]).toEqual([0x0c, 2, 0]);
    sender.take();
    engine.write(CH_RACP, unhex("01 01"));
    expect(seqsOf(sender.take())).toEqual([3, 4, 5]);
    engine.write(CH_RACP, unhex("04 01"));
    expect(responses(sender.take())).toEqual(["05 00 03 00 00 00"]);
    // Deleting again what is already deleted: nothing found, nothing logged.
    engine.write(CH_RACP, unhex("02 02 01 01 00 00 00"));
    expect(responses(sender.take())).toEqual(["06 00 02 06"]);
    expect(log.newestSeq()).toBe(5);
    // After a restart the cap finds the DELETE record again.
    const again = new BleEngine({ log, send: sender.send, clock: new FakeClock(0), store: new MemStore() });
    expect(again.racp.deletedThrough).toBe(2);
  });

  it("delete and annotate on an empty log find nothing", () => {
    const { r, sender } = racpOver(new MemLog());
    r.write(unhex("02 01"));
    r.write(unhex("01 01"));
    r.write(unhex("04 01"));
    r.write(unhex("01 06"));
    expect(responses(sender.take())).toEqual(["06 00 02 06", "06 00 01 06", "05 00 00 00 00 00", "06 00 01 06"]);
  });

  it("annotating a record that is not a dose is an invalid operand", () => {
    const log = logOf(2);
    log.append(7, 0, 0, 1, 1);
    const { r, sender } = racpOver(log);
    r.write(unhex("a1 00 02 00 00 00 08"));
    expect(responses(sender.take())).toEqual(["06 00 a1 05"]);
    expect(log.count()).toBe(3);
  });

  it("log write failures answer 'procedure not completed' and change nothing", () => {
    for (const req of ["02 01", "a1 00 01 00 00 00 08"]) {
      const log = logOf(3);
      log.failAppend = true;
      const { r, sender } = racpOver(log);
      const before = log.snapshot();
      r.write(unhex(req));
      expect(responses(sender.take())).toEqual([`06 00 ${req.slice(0, 2)} 08`]);
      expect(log.snapshot()).toBe(before);
      expect(r.deletedThrough).toBe(-1);
    }
  });

  it("a log read failure mid-transfer ends the report with 'procedure not completed'", () => {
    const log = logOf(10);
    const { r, sender } = racpOver(log);
    log.failReadAfter = 4;
    r.write(unhex("01 01"));
    const p = sender.take();
    expect(responses(p)).toEqual(["06 00 01 08"]);
    expect(r.reporting).toBe(false);
  });
});

describe("RACP notification size (vendor op 0xA2)", () => {
  it.each([[0x14, 1], [0x1f, 1], [0x20, 2], [0x32, 3], [0xf0, 15], [0xff, 15]])("size %i: %i records per notification", (size, k) => {
    const { r, sender } = racpOver(logOf(40));
    r.write(unhex("a2 00 " + size.toString(16)));
    r.write(unhex("01 01"));
    r.pump();
    const pk = sender.take().filter((p) => p.ch === CH_RECORDS);
    expect(pk[0].data.length).toBe(16 * k);
    expect(seqsOf(pk)).toEqual(Array.from({ length: 40 }, (_, i) => i));
  });
  it("a refused notification falls back to one record each and rebuilds the packet: nothing skipped", () => {
    const { r, sender } = racpOver(logOf(10));
    r.write(unhex("a2 00 32"));
    sender.room = 1; // the first 3-record packet; the second is built and waits
    r.write(unhex("01 01"));
    r.pump();
    r.notifyRefused(); // the adapter: the radio refused the next 3-record packet (DATA_SIZE)
    sender.room = Infinity;
    r.pump();
    const pk = sender.take();
    expect(pk.filter((p) => p.ch === CH_RECORDS).map((p) => p.data.length)).toEqual([48, ...Array(7).fill(16)]);
    expect(seqsOf(pk)).toEqual(Array.from({ length: 10 }, (_, i) => i));
    expect(responses(pk)).toEqual(["06 00 a2 01", "06 00 01 01"]);
  });
  it("the engine starts every link at 20-byte notifications", () => {
    const { engine } = exampleEngine();
    engine.link(23);
    engine.trusted = true;
    engine.write(CH_RACP, unhex("a2 00 32"));
    expect(engine.racp.mtu).toBe(53);
    engine.link(0);
    engine.link(23);
    expect(engine.racp.mtu).toBe(23);
  });
});

describe("RACP pacing, busy, abort, dropped link", () => {
  it("sends only what the radio accepts and resumes on pump()", () => {
    const { r, sender } = racpOver(logOf(10));
    sender.room = 3;
    r.write(unhex("01 01"));
    expect(seqsOf(sender.packets)).toEqual([0, 1, 2]);
    expect(r.reporting).toBe(true);
    r.pump(); // queue still full: nothing, nothing lost
    expect(sender.packets.length).toBe(3);
    sender.room = 100;
    r.pump();
    const p = sender.take();
    expect(seqsOf(p)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(responses(p)).toEqual(["06 00 01 01"]);
  });

  it("a second request while a report runs is answered busy and the report continues", () => {
    const { r, sender } = racpOver(logOf(10));
    sender.room = 2;
    r.write(unhex("01 01"));
    sender.room = 1;
    r.write(unhex("02 01")); // delete while reporting: refused
    expect(r.deletedThrough).toBe(-1);
    sender.room = 100;
    r.pump();
    const p = sender.take();
    expect(responses(p)).toEqual(["06 00 02 08", "06 00 01 01"]);
    expect(seqsOf(p)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it("abort stops a report at once", () => {
    const { r, sender } = racpOver(logOf(10));
    sender.room = 3;
    r.write(unhex("01 01"));
    sender.room = 100;
    r.write(unhex("03 00"));
    r.pump();
    const p = sender.take();
    expect(seqsOf(p)).toEqual([0, 1, 2]);
    expect(responses(p)).toEqual(["06 00 03 01"]);
    expect(r.reporting).toBe(false);
  });

  it("a dropped link stops the transfer, leaves the log alone, and the next request resumes from any seq", () => {
    const log = logOf(10);
    const before = log.snapshot();
    const { r, sender } = racpOver(log);
    sender.room = 4;
    r.write(unhex("01 01"));
    r.linkDown();
    sender.room = 100;
    r.pump();
    expect(seqsOf(sender.take())).toEqual([0, 1, 2, 3]);
    expect(log.snapshot()).toBe(before);
    r.write(unhex("01 03 01 04 00 00 00"));
    expect(seqsOf(sender.take())).toEqual([4, 5, 6, 7, 8, 9]);
  });

  it("a full response queue drops answers rather than growing", () => {
    const { r, sender } = racpOver(logOf(1));
    sender.room = 0;
    for (let i = 0; i < 10; i++) r.write(unhex("09 00"));
    sender.room = 100;
    r.pump();
    expect(responses(sender.take()).length).toBe(4);
  });
});
