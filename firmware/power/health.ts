// Watchdog policy: the watchdog (E.enableWatchdog(timeout, false)) is kicked only by the health check,
// and the health check kicks only while the main logic shows progress. A hung interpreter never runs the
// health check (the watchdog fires after its timeout); a main logic that stopped progressing (its watch
// or timer gone, a state machine stuck) stops the heartbeat and the kicks stop after maxSilence.

/** Espruino error flags (E.getErrorFlags) after which the interpreter cannot be trusted: MEMORY (an
 *  allocation failed: state may be half-built) and CALLBACK (a setWatch/setInterval was removed, so a part
 *  of the main logic is gone). FIFO_FULL, BUFFER_FULL, LOW_MEMORY, UART_OVERFLOW are survivable. */
export function fatalErrorFlags(flags: string[]): boolean {
  for (let i = 0; i < flags.length; i++) {
    if (flags[i] === "MEMORY" || flags[i] === "CALLBACK") return true;
  }
  return false;
}

export class HealthCheck {
  private readonly maxSilence: number;
  private beats = 0;
  private seen = 0;
  private lastProgress: number;
  private failed = false;

  constructor(maxSilenceSeconds: number, now: number) {
    this.maxSilence = maxSilenceSeconds;
    this.lastProgress = now;
  }

  /** Called by the main logic when it did real work (an event handled, its periodic tick completed). */
  heartbeat(): void {
    this.beats = (this.beats + 1) | 0;
  }

  /** The clock was set (setTime): keep the silence measured in the old clock's terms. */
  timeShift(delta: number): void {
    this.lastProgress += delta;
  }

  /** Called by the health-check timer; true means "kick the watchdog now". Once it has said no because
   *  of a fatal flag it stays no: the watchdog must reset the cap. */
  check(now: number, fatal: boolean): boolean {
    if (fatal) this.failed = true;
    if (this.failed) return false;
    if (this.beats !== this.seen) {
      this.seen = this.beats;
      this.lastProgress = now;
    }
    return now - this.lastProgress <= this.maxSilence;
  }
}
