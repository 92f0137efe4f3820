// Deterministic virtual clock. Time is a float in seconds; timers fire in (time, insertion) order.
// Nothing here reads the wall clock: two weeks of virtual time cost only the callbacks that run in them.

/** The seam the BLE part codes against. */
export interface SimClock {
  now(): number;
  schedule(atSeconds: number, cb: () => void): number;
  cancel(id: number): void;
}

interface Timer {
  id: number;
  at: number;
  seq: number;
  cb: () => void;
  /** Cancelled (its heap entry is dropped when it reaches the top). */
  dead: boolean;
}

/** Up to this many heap entries, cancel() finds a timer by scanning the heap (a cap has ~12 live timers, a
 *  heap of ~20): no id map to keep up at every schedule. Above it, an id map is built and kept. */
const SCAN_MAX = 64;

/** Resolves after every queued microtask (and the microtasks they queue) has run. */
function flushMicrotasks(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export class VirtualClock implements SimClock {
  private t: number;
  private nextId = 1;
  private seq = 0;
  // A binary heap ordered by (at, seq): thousands of timers stay cheap.
  private heap: Timer[] = [];
  /** Timers not yet run nor cancelled. */
  private liveCount = 0;
  /** id → live timer, only while the heap is large (null: cancel scans the heap). */
  private index: Map<number, Timer> | null = null;

  constructor(start = 0) {
    this.t = start;
  }

  now(): number {
    return this.t;
  }

  /** Schedules cb at an absolute virtual time (a time in the past runs at the next step, not now). */
  schedule(atSeconds: number, cb: () => void): number {
    if (!Number.isFinite(atSeconds)) throw new RangeError(`schedule: time must be finite, got ${atSeconds}`);
    const timer: Timer = { id: this.nextId++, at: Math.max(atSeconds, this.t), seq: this.seq++, cb, dead: false };
    this.liveCount++;
    this.push(timer);
    if (this.index) this.index.set(timer.id, timer);
    else if (this.heap.length > SCAN_MAX) {
      this.index = new Map();
      for (const x of this.heap) if (!x.dead) this.index.set(x.id, x);
    }
    return timer.id;
  }

  /** Schedules cb after a delay in seconds. */
  after(delaySeconds: number, cb: () => void): number {
    return this.schedule(this.t + Math.max(0, delaySeconds), cb);
  }

  cancel(id: number): void {
    // The heap entry is skipped lazily.
    let x: Timer | undefined;
    if (this.index) {
      x = this.index.get(id);
      this.index.delete(id);
    } else {
      const h = this.heap;
      for (let i = 0; i < h.length; i++) {
        if (h[i].id === id) {
          x = h[i];
          break;
        }
      }
    }
    if (x && !x.dead) {
      x.dead = true;
      this.liveCount--;
    }
  }

  pending(): number {
    return this.liveCount;
  }

  /** Time of the next live timer, or null. */
  nextTime(): number | null {
    this.dropDead();
    return this.heap.length ? this.heap[0].at : null;
  }

  /** Runs the earliest timer if it is due at or before `limit`; returns false if none. */
  step(limit = Infinity): boolean {
    this.dropDead();
    const top = this.heap[0];
    if (!top || top.at > limit) return false;
    this.pop();
    this.retire(top);
    if (top.at > this.t) this.t = top.at;
    top.cb();
    return true;
  }

  /** Runs every timer due up to t (including ones they schedule), then sets the time to t. */
  runUntil(t: number): void {
    while (this.step(t)) {
      /* keep going */
    }
    if (t > this.t) this.t = t;
  }

  advance(seconds: number): void {
    if (seconds < 0) throw new RangeError("advance: negative duration");
    this.runUntil(this.t + seconds);
  }

  /** Runs timers until none are left or `limit` of them have run; returns how many ran. */
  runUntilIdle(limit = 1_000_000): number {
    let n = 0;
    while (n < limit && this.step()) n++;
    return n;
  }

  /**
   * Advances virtual time event by event, flushing microtasks between events, until p settles.
   * Rejects if no timer is left while p is still pending (it could never settle), or after maxSeconds.
   */
  async settle<T>(p: Promise<T>, maxSeconds = 7 * 86400): Promise<T> {
    let done = false;
    const tracked = p.then(
      (v) => {
        done = true;
        return v;
      },
      (e) => {
        done = true;
        throw e;
      },
    );
    tracked.catch(() => undefined); // observed below; avoids an unhandled-rejection warning meanwhile
    const deadline = this.t + maxSeconds;
    await flushMicrotasks();
    while (!done) {
      if (!this.step(deadline)) {
        throw new Error(
          this.nextTime() === null
            ? "settle: the promise is still pending and no timer is left to run"
            : `settle: still pending after ${maxSeconds} s of virtual time`,
        );
      }
      await flushMicrotasks();
    }
    return tracked;
  }

  private dropDead(): void {
    while (this.heap.length && this.heap[0].dead) this.pop();
  }

  /** A timer leaves the heap to run: no longer live, nor cancellable. */
  private retire(x: Timer): void {
    x.dead = true;
    this.liveCount--;
    if (this.index) {
      this.index.delete(x.id);
      if (this.heap.length < SCAN_MAX / 4) this.index = null;
    }
  }

  private less(a: Timer, b: Timer): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }

  private push(x: Timer): void {
    const h = this.heap;
    h.push(x);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(h[i], h[p])) break;
      const t = h[i]; // (no destructuring swap: it allocates an array per level)
      h[i] = h[p];
      h[p] = t;
      i = p;
    }
  }

  private pop(): Timer | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (h.length && last) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.less(h[l], h[m])) m = l;
        if (r < h.length && this.less(h[r], h[m])) m = r;
        if (m === i) break;
        const t = h[i];
        h[i] = h[m];
        h[m] = t;
        i = m;
      }
    }
    return top;
  }
}
