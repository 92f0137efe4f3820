// NOR flash as the nRF52832's NVMC presents it (nRF52832 Product Specification v1.4, section 11 "NVMC"):
// - an erase sets a whole page to 0xFF;
// - a write programs one aligned 32-bit word and can only clear bits (new = old AND data);
// - a power cut during a word write or a page erase leaves that word or page in an undefined state.
// The model keeps per-page erase counts and operation counters, and can cut the power at an exact operation.
// It is deterministic: "undefined" contents come from a seeded PRNG.

/** Thrown by every flash operation once the power has been cut, until powerOn(). */
export class PowerCutError extends Error {
  readonly code = "POWER_CUT";
  constructor(message: string) {
    super(message);
    this.name = "PowerCutError";
  }
}

/** A power cut caused by the supply itself: the cell sagged below the brown-out level under this operation's load. */
export class BrownOutError extends PowerCutError {
  readonly brownOut = true;
}

export interface NorFlashOptions {
  pageSize: number;
  pageCount: number;
  /** Address of the first byte (as Espruino's Flash module sees it). */
  baseAddress?: number;
  /** Seed for the contents left by interrupted operations. */
  seed?: number;
}

export type PowerCutPlan =
  | { kind: "wordWrite"; at: number } // cut during the at-th word write from now (1 = the next one)
  | { kind: "erase"; at: number }; // cut during the at-th page erase from now (1 = the next one)

export class NorFlash {
  readonly pageSize: number;
  readonly pageCount: number;
  readonly baseAddress: number;
  readonly bytes: Uint8Array;
  readonly eraseCounts: Uint32Array;
  /** Totals for the flash's life (benchmarks and energy accounting read these). */
  wordWrites = 0;
  erases = 0;
  bytesRead = 0;
  powered = true;
  private plan: PowerCutPlan | null = null;
  private countdown = 0;
  private silentFailures = 0;
  private rng: number;
  /** Called after every successful or torn operation; the energy model and tracing hook in here. */
  onOperation: ((op: "write" | "erase" | "read", count: number) => void) | null = null;
  /**
   * Asked at the start of every word write and erase: a message when the supply cannot carry the operation
   * (a brown-out: the device resets during it, leaving it torn as a power cut does), else null.
   */
  brownOut: ((op: "write" | "erase") => string | null) | null = null;
  /** Called when an armed cut or a brown-out has just torn an operation (the power is now off). */
  onCut: (() => void) | null = null;

  constructor(opts: NorFlashOptions) {
    if (opts.pageSize % 4 !== 0) throw new Error("pageSize must be a multiple of 4");
    this.pageSize = opts.pageSize;
    this.pageCount = opts.pageCount;
    this.baseAddress = opts.baseAddress ?? 0;
    this.bytes = new Uint8Array(opts.pageSize * opts.pageCount).fill(0xff);
    this.eraseCounts = new Uint32Array(opts.pageCount);
    this.rng = (opts.seed ?? 0x1234abcd) >>> 0;
  }

  get size(): number {
    return this.bytes.length;
  }

  /** Arms a power cut at an exact future operation. */
  cutPowerAt(plan: PowerCutPlan): void {
    if (plan.at < 1) throw new Error("power cut must be at operation 1 or later");
    this.plan = plan;
    this.countdown = plan.at;
  }

  disarm(): void {
    this.plan = null;
  }

  get armed(): PowerCutPlan | null {
    return this.plan;
  }

  /**
   * Cuts the power now, between operations (nothing is torn). A cut armed with cutPowerAt stays armed: it is a
   * plan over the flash's operations, counted across power cycles (docs/scenarios.md "powerCut"); disarm()
   * cancels it.
   */
  cutPower(): void {
    this.powered = false;
  }

  powerOn(): void {
    this.powered = true;
  }

  /**
   * The next n word writes report success but program nothing: the nRF52 driver can return before a
   * write really happened, which is why firmware must read back what it wrote.
   */
  failSilently(n: number): void {
    this.silentFailures = n;
  }

  private offset(addr: number, len: number): number {
    const off = addr - this.baseAddress;
    if (off < 0 || off + len > this.bytes.length) {
      throw new RangeError(`flash access 0x${addr.toString(16)}+${len} outside 0x${this.baseAddress.toString(16)}..0x${(this.baseAddress + this.bytes.length).toString(16)}`);
    }
    return off;
  }

  private checkPower(): void {
    if (!this.powered) throw new PowerCutError("flash accessed while the power is off");
  }

  private random32(): number {
    // mulberry32
    let t = (this.rng = (this.rng + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  read(addr: number, len: number): Uint8Array {
    this.checkPower();
    const off = this.offset(addr, len);
    this.bytesRead += len;
    this.onOperation?.("read", len);
    return this.bytes.slice(off, off + len);
  }

  /** Programs aligned whole words: addr and data.length must be multiples of 4. */
  writeWords(addr: number, data: Uint8Array): void {
    this.checkPower();
    if (addr % 4 !== 0 || data.length % 4 !== 0) {
      throw new RangeError(`unaligned flash write at 0x${addr.toString(16)} length ${data.length}`);
    }
    const off = this.offset(addr, data.length);
    for (let i = 0; i < data.length; i += 4) {
      const o = off + i;
      const old = this.word(o);
      const target = (data[i] | (data[i + 1] << 8) | (data[i + 2] << 16) | (data[i + 3] << 24)) >>> 0;
      this.wordWrites++;
      this.onOperation?.("write", 1);
      const bo = this.brownOut ? this.brownOut("write") : null;
      if (bo || (this.plan && this.plan.kind === "wordWrite" && --this.countdown === 0)) {
        // Some of the bits being cleared got cleared, others did not.
        this.setWord(o, (old & (target | this.random32())) >>> 0);
        this.powered = false;
        this.plan = null;
        this.onCut?.();
        if (bo) throw new BrownOutError(`brown-out during the word write at 0x${(addr + i).toString(16)}: ${bo}`);
        throw new PowerCutError(`power cut during the word write at 0x${(addr + i).toString(16)}`);
      }
      if (this.silentFailures > 0) {
        this.silentFailures--;
        continue;
      }
      this.setWord(o, (old & target) >>> 0);
    }
  }

  /** Erases the page with this index to 0xFF. */
  erasePage(page: number): void {
    this.checkPower();
    if (page < 0 || page >= this.pageCount || page !== Math.floor(page)) throw new RangeError(`no flash page ${page}`);
    const start = page * this.pageSize;
    this.erases++;
    this.eraseCounts[page]++;
    this.onOperation?.("erase", 1);
    const bo = this.brownOut ? this.brownOut("erase") : null;
    if (bo || (this.plan && this.plan.kind === "erase" && --this.countdown === 0)) {
      // An interrupted erase: each word may be erased, untouched, or have only some bits set.
      for (let o = start; o < start + this.pageSize; o += 4) {
        const r = this.random32() % 3;
        if (r === 0) this.setWord(o, 0xffffffff);
        else if (r === 2) this.setWord(o, (this.word(o) | this.random32()) >>> 0);
      }
      this.powered = false;
      this.plan = null;
      this.onCut?.();
      if (bo) throw new BrownOutError(`brown-out during the erase of page ${page}: ${bo}`);
      throw new PowerCutError(`power cut during the erase of page ${page}`);
    }
    this.bytes.fill(0xff, start, start + this.pageSize);
  }

  /** Page index of an absolute address. */
  pageOf(addr: number): number {
    return Math.floor(this.offset(addr, 0) / this.pageSize);
  }

  private word(o: number): number {
    const b = this.bytes;
    return (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;
  }

  private setWord(o: number, v: number): void {
    const b = this.bytes;
    b[o] = v & 0xff;
    b[o + 1] = (v >>> 8) & 0xff;
    b[o + 2] = (v >>> 16) & 0xff;
    b[o + 3] = (v >>> 24) & 0xff;
  }
}
