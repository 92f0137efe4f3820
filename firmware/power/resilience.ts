// Crash policy, boot counter and safe mode: the constants, reset reasons and the crash history file format
// (docs/power.md). The policy itself runs in PowerSupervisor (./supervisor.ts): it was a class of its own
// here, folded in because each class and method costs RAM on the device. The crash history (boot count,
// crashes, safe mode) lives in the state area of the log region, reached through HistoryStore.
//
// A "crash" is an uncaught exception, or a boot after a watchdog, CPU-lockup or software reset.
// The cap enters safe mode after CRASH_LIMIT crashes with no STABLE_SECONDS of crash-free running between
// them, and leaves it after SAFE_EXIT_SECONDS of crash-free running in safe mode. Counting runs instead of
// wall-clock time works without a set clock (getTime() restarts at every reset).

/** Reset reason codes (BOOT record field a). */
export const RESET_POWER_ON = 0;   // power-on or brown-out (RESETREAS == 0), e.g. a new battery
export const RESET_PIN = 1;
export const RESET_WATCHDOG = 2;
export const RESET_SOFTWARE = 3;   // NVIC_SystemReset: Espruino's fault handlers and E.reboot()
export const RESET_LOCKUP = 4;
export const RESET_WAKE = 5;       // woke from System OFF
export const RESET_UNKNOWN = 15;   // not readable (host build, simulator without the register)

/** nRF52832 POWER.RESETREAS (0x40000400) bits to a reason code; the most telling cause wins. */
export function resetReasonFromRegister(reg: number): number {
  if (reg & 0x2) return RESET_WATCHDOG;
  if (reg & 0x8) return RESET_LOCKUP;
  if (reg & 0x4) return RESET_SOFTWARE;
  if (reg & 0x1) return RESET_PIN;
  if (reg & 0x1f0000) return RESET_WAKE;
  return RESET_POWER_ON;
}

/** Three: one fault is worth a reboot and nothing more (a glitch, a one-off input); a second can be the
 *  same trigger repeating once; a third without a stable run in between is a loop. */
export const CRASH_LIMIT = 3;
/** 15 min: longer than a boot, a sync, a dose session and the longest periodic job (temperature, 10 min),
 *  so a fault triggered by any of them is seen again before the run counts as stable. */
export const STABLE_SECONDS = 900;
/** 6 h of crash-free running in safe mode before the optional features come back. */
export const SAFE_EXIT_SECONDS = 21600; // 6 h (a literal: the bundler writes it into the code, 6 * 3600 would cost a variable)
/** ERROR records: at most ERROR_BURST, then one per ERROR_REFILL_SECONDS, so an exception in a frequent
 *  callback cannot push dose records out of the ring log. */
export const ERROR_BURST = 8;
export const ERROR_REFILL_SECONDS = 600;

// ---- crash history events (applied by PowerSupervisor; the resulting state is what is stored) ----
export const ENTRY_BOOT = 0x10;   // | reason (low nibble)
export const ENTRY_CRASH = 0x20;
export const ENTRY_STABLE = 0x30;
export const ENTRY_SAFE_EXIT = 0x40;

/**
 * Where the crash history is kept: the state area (firmware/log/state.ts, docs/log-format.md "State area"), a
 * record of the whole state in the power-safe log region, never a Storage file. The fields are the stored
 * state (the newest valid state record, zeros when there is none); commit() makes the current values durable
 * and throws when it cannot. The state area itself implements it: no adapter object (RAM on the device).
 */
export interface HistoryStore {
  bootCount: number;
  crashes: number;
  /** Bit 0: safe mode. */
  flags: number;
  commit(): void;
}

export interface BootInfo {
  resetReason: number;
  bootCount: number;   // this boot's number, u16 (BOOT record field b)
  crashes: number;     // crashes counted towards safe mode (SAFE_MODE record field a)
  safeMode: boolean;   // boot into safe mode: log SAFE_MODE and use the safe plan
}
