// A tiny deterministic clock for the BLE simulator's tests, and a driver that advances it until a promise settles.
import type { BleActivity, SimClock } from "../../../sim/ble/nrf.js";
import { createNrf } from "../../../sim/ble/nrf.js";

export class TestClock implements SimClock {
  t = 0;
  private q: { at: number; id: number; seq: number; cb: () => void }[] = [];
  private seq = 0;
  private ids = 1;
  now(): number {
    return this.t;
  }
  schedule(at: number, cb: () => void): number {
    const id = this.ids++;
    this.q.push({ at: Math.max(at, this.t), id, seq: this.seq++, cb });
    this.q.sort((a, b) => a.at - b.at || a.seq - b.seq);
    return id;
  }
  cancel(id: number): void {
    this.q = this.q.filter((e) => e.id !== id);
  }
  peek(): number | null {
    return this.q.length ? this.q[0].at : null;
  }
  step(): boolean {
    const e = this.q.shift();
    if (!e) return false;
    this.t = e.at;
    e.cb();
    return true;
  }
}

const flush = () => new Promise<void>((r) => setImmediate(r));

/** Runs the clock one callback at a time (letting promise continuations run between) until `p` settles. */
export async function drive<T>(clock: TestClock, p: Promise<T>, maxSeconds = 600): Promise<T> {
  let done = false;
  p.then(
    () => (done = true),
    () => (done = true),
  );
  const limit = clock.now() + maxSeconds;
  for (;;) {
    await flush();
    if (done) return p;
    if (!clock.step()) throw new Error("clock idle while the operation is pending");
    if (clock.now() > limit) throw new Error("operation did not complete in time");
  }
}

/** Advances virtual time by `seconds`, running everything due. */
export async function runFor(clock: TestClock, seconds: number): Promise<void> {
  const end = clock.now() + seconds;
  for (;;) {
    await flush();
    const next = clock.peek();
    if (next === null || next > end) break;
    clock.step();
  }
  clock.t = end;
  await flush();
}

export function setup(opts: { txBuffers?: number; deviceName?: string } = {}) {
  const clock = new TestClock();
  const activities: { t: number; a: BleActivity }[] = [];
  const errors: unknown[] = [];
  const { nrf, radio } = createNrf({
    clock,
    activity: (t, a) => activities.push({ t, a }),
    battery: () => 2.95,
    onError: (e) => errors.push(e),
    ...opts,
  });
  return { clock, nrf, radio, activities, errors };
}

export const SVC = "a0b40001-926d-4d61-98df-8c5c62ee53b3";
export const CH = {
  records: "a0b40002-926d-4d61-98df-8c5c62ee53b3",
  racp: "a0b40003-926d-4d61-98df-8c5c62ee53b3",
  time: "a0b40004-926d-4d61-98df-8c5c62ee53b3",
  status: "a0b40005-926d-4d61-98df-8c5c62ee53b3",
};
