// A link that cuts the cap's 3-record notification (docs/protocol.md 3.1: a notification that is not whole
// records is malformed): the client keeps the whole verified records, pins one record per notification
// (RACP 0xA2 20) and the sync asks again for the rest, so nothing is lost.
import { describe, expect, it } from "vitest";
import { PenCapClient } from "../../client/client";
import { RecordStore } from "../../client/store";
import { sync } from "../../client/sync";
import { RACP, RECORDS, STATUS, DIS_SERIAL } from "../../client/protocol";
import { encodeRecord } from "../../client/record";
import type { Transport } from "../../client/transport";

/** A cap of records 1..7 behind a link that carries 20 bytes per notification and cuts longer ones. */
class CuttingLink implements Transport {
  mtu = 23;
  size = 50; // what the cap packs until told otherwise
  writes: number[][] = [];
  private subs = new Map<string, (d: Uint8Array) => void>();
  private recs = Array.from({ length: 7 }, (_, i) => encodeRecord({ seq: i + 1, time: 1764000000 + i, type: 1, flags: 0x10, a: 8, b: 0x0915 }));
  async connect(): Promise<void> {}
  async disconnect(): Promise<void> {}
  onDisconnect(): void {}
  async read(_s: string, c: string): Promise<Uint8Array> {
    if (c === DIS_SERIAL) return new TextEncoder().encode("PC-0001");
    if (c === STATUS) {
      const b = new Uint8Array(20);
      const dv = new DataView(b.buffer);
      b[0] = 90;
      dv.setUint16(2, 7, true);
      dv.setUint32(4, 7, true);
      dv.setUint32(12, 1, true);
      dv.setUint32(16, 0xffffffff, true);
      return b;
    }
    throw new Error("unexpected read " + c);
  }
  async subscribe(_s: string, c: string, on: (d: Uint8Array) => void): Promise<void> {
    this.subs.set(c, on);
  }
  async write(_s: string, c: string, d: Uint8Array): Promise<void> {
    if (c !== RACP) throw new Error("unexpected write");
    this.writes.push([...d]);
    const racp = this.subs.get(RACP)!;
    const notify = this.subs.get(RECORDS)!;
    queueMicrotask(() => {
      if (d[0] === 0xa2) {
        this.size = d[2];
        return racp(Uint8Array.from([6, 0, 0xa2, 1]));
      }
      if (d[0] === 0xa3) return racp(Uint8Array.from([6, 0, 0xa3, 1])); // "confirm received" after a complete sync
      const dv = new DataView(d.buffer, d.byteOffset);
      const lo = d[1] === 0x01 ? 1 : dv.getUint32(3, true);
      const hi = d[1] === 0x04 ? dv.getUint32(7, true) : 7;
      const k = Math.floor(this.size / 16);
      for (let s = lo; s <= hi; s += k) {
        const pkt = new Uint8Array(16 * Math.min(k, hi - s + 1));
        for (let j = 0; j * 16 < pkt.length; j++) pkt.set(this.recs[s - 1 + j], j * 16);
        notify(pkt.subarray(0, 20)); // the link keeps 20 bytes
      }
      racp(Uint8Array.from([6, 0, 1, 1]));
    });
  }
}

describe("client: notifications cut by the link", () => {
  it("keeps the whole records, pins one record per notification, and fetches the rest", async () => {
    const link = new CuttingLink();
    const client = new PenCapClient(link);
    await client.open();
    const store = new RecordStore("cut");
    const r = await sync(client, store);
    expect(r.complete).toBe(true);
    expect([...store.records.keys()].sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(link.writes.some((w) => w[0] === 0xa2 && w[2] === 20)).toBe(true);
    expect(store.gaps().filter((g) => g.kind === "missing" || g.kind === "unconfirmed")).toEqual([]);
  });
});
