import { describe, expect, it } from "vitest";
import { VirtualClock } from "../../sim/clock.js";

describe("VirtualClock", () => {
  it("cancels the same way with few timers (heap scan) and many (id map), across the switch", () => {
    const c = new VirtualClock();
    const ran: number[] = [];
    const ids: number[] = [];
    for (let i = 0; i < 300; i++) ids.push(c.schedule(1 + i, () => ran.push(i)));
    for (let i = 0; i < 300; i += 3) c.cancel(ids[i]);
    c.cancel(ids[3]); // twice: no effect
    expect(c.pending()).toBe(200);
    c.runUntil(250); // the heap shrinks below the scan size on the way
    for (let i = 250; i < 300; i++) c.cancel(ids[i]);
    c.cancel(ids[1]); // already ran: no effect
    expect(c.pending()).toBe(0);
    c.runUntil(1000);
    const want: number[] = [];
    for (let i = 0; i < 250; i++) if (i % 3) want.push(i);
    expect(ran).toEqual(want);
  });

  it("runs timers in (time, insertion) order and advances to the target time", () => {
    const c = new VirtualClock();
    const seen: string[] = [];
    c.schedule(2, () => seen.push("b"));
    c.schedule(1, () => seen.push("a1"));
    c.schedule(1, () => seen.push("a2"));
    const id = c.schedule(1.5, () => seen.push("never"));
    c.cancel(id);
    c.advance(1.5);
    expect(seen).toEqual(["a1", "a2"]);
    expect(c.now()).toBe(1.5);
    c.runUntil(10);
    expect(seen).toEqual(["a1", "a2", "b"]);
    expect(c.now()).toBe(10);
  });

  it("timers scheduled by timers run in the same runUntil if due", () => {
    const c = new VirtualClock();
    let n = 0;
    const tick = () => {
      n++;
      c.schedule(c.now() + 1, tick);
    };
    c.schedule(1, tick);
    c.runUntil(100);
    expect(n).toBe(100);
  });

  it("runUntilIdle stops at the limit", () => {
    const c = new VirtualClock();
    const tick = () => c.schedule(c.now() + 1, tick);
    c.schedule(0, tick);
    expect(c.runUntilIdle(50)).toBe(50);
    expect(c.now()).toBe(49);
  });

  it("settle advances virtual time until a promise resolves, flushing microtasks between events", async () => {
    const c = new VirtualClock();
    const sleep = (s: number) => new Promise<void>((r) => c.schedule(c.now() + s, r));
    const p = (async () => {
      await sleep(5);
      await sleep(10);
      return c.now();
    })();
    await expect(c.settle(p)).resolves.toBe(15);
  });

  it("settle rejects when nothing can settle the promise", async () => {
    const c = new VirtualClock();
    await expect(c.settle(new Promise(() => undefined))).rejects.toThrow(/no timer is left/);
  });
});
