// Watchdog policy: the watchdog (E.enableWatchdog(timeout, false)) is kicked only by the health check,
// and the health check kicks only while the main logic shows progress. A hung interpreter never runs the
// health check (the watchdog fires after its timeout); a main logic that stopped progressing (its watch
// or timer gone, a state machine stuck) stops the heartbeat and the kicks stop after maxSilence.
// The check itself lives in PowerSupervisor (heartbeat / healthTick / timeShift): a class of its own cost
// ~30 variables of RAM on the device for four small methods.

/** Espruino error flags (E.getErrorFlags) after which the interpreter cannot be trusted: MEMORY (an
 *  allocation failed: state may be half-built) and CALLBACK (a setWatch/setInterval was removed, so a part
 *  of the main logic is gone). FIFO_FULL, BUFFER_FULL, LOW_MEMORY, UART_OVERFLOW are survivable. */
export function fatalErrorFlags(flags: string[]): boolean {
  for (let i = 0; i < flags.length; i++) {
    if (flags[i] === "MEMORY" || flags[i] === "CALLBACK") return true;
  }
  return false;
}
