// A write is answered by the SoftDevice at once, and until the firmware's handler runs (from Espruino's event
// queue) a read returns the app's own bytes (docs/protocol.md 3.6). The client reads again until it sees the
// cap's value, which has another length, and gives up with TIMEOUT after 3 s.
import { describe, expect, it } from "vitest";
import { PenCapClient, ERR_TIMEOUT } from "../../client/client.js";
import { CONFIG, ProtocolError, TIME } from "../../client/protocol.js";
import type { Transport } from "../../client/transport.js";

/** A peripheral whose handler runs `lagReads` reads after each write (or never). */
function lagging(lagReads: number) {
  const values = new Map<string, Uint8Array>([[CONFIG, new Uint8Array(30).fill(0xff)], [TIME, new Uint8Array(6)]]);
  let pending: { ch: string; data: Uint8Array; left: number } | null = null;
  let waited = 0;
  const t: Transport = {
    mtu: 53,
    connect: async () => {},
    disconnect: async () => {},
    onDisconnect: () => {},
    subscribe: async () => {},
    write: async (_s, ch, data) => {
      values.set(ch, data.slice()); // the attribute holds the written bytes
      pending = { ch, data: data.slice(), left: lagReads };
    },
    read: async (_s, ch) => {
      if (pending && pending.ch === ch && pending.left-- === 0) {
        const v = new Uint8Array(ch === CONFIG ? 30 : 6);
        if (ch === CONFIG) v.set(pending.data, 2); // result 0x00, offset 0x00 (a block in force: the written one)
        else v.set(pending.data, 0);
        values.set(ch, v);
        pending = null;
      }
      return values.get(ch)!.slice();
    },
    timer: (ms, fn) => {
      waited += ms;
      queueMicrotask(fn);
      return () => {};
    },
  };
  return { t, waited: () => waited };
}

describe("the client reads a write's result only once the cap has handled it", () => {
  it.each([0, 1, 5])("config: the cap handles the write after %i reads", async (lag) => {
    const p = lagging(lag);
    const c = new PenCapClient(p.t);
    const block = new Uint8Array(28).fill(7);
    const r = await c.writeConfig(block);
    expect(r).toEqual({ result: 0, badOffset: 0 });
    expect(p.waited()).toBe(lag * 50);
  });

  it("device time: the same", async () => {
    const p = lagging(2);
    const c = new PenCapClient(p.t);
    expect(await c.setTime(1772409600)).toBe(0);
    expect(p.waited()).toBe(100);
  });

  it("a cap that never handles it: TIMEOUT after 3 s of reads, not a wrong result", async () => {
    const p = lagging(1000);
    const c = new PenCapClient(p.t);
    const e = await c.writeConfig(new Uint8Array(28)).catch((x) => x);
    expect(e).toBeInstanceOf(ProtocolError);
    expect(e.code).toBe(ERR_TIMEOUT);
    expect(p.waited()).toBe(3000);
  });
});
