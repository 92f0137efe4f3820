// Crash policy, boot counter and safe mode. Pure: the crash history lives in a 64-byte file reached
// through HistoryStore (firmware/hw/watchdog.ts has the Storage adapter). Format in docs/power.md.
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
export const SAFE_EXIT_SECONDS = 6 * 3600;
/** ERROR records: at most ERROR_BURST, then one per ERROR_REFILL_SECONDS, so an exception in a frequent
 *  callback cannot push dose records out of the ring log. */
export const ERROR_BURST = 8;
export const ERROR_REFILL_SECONDS = 600;

// ---- history file: 64 bytes ----
export const HISTORY_SIZE = 64;
export const HISTORY_MAGIC = 0xc7;
export const HISTORY_VERSION = 1;
const HEADER = 6;
export const ENTRY_BOOT = 0x10;   // | reason (low nibble)
export const ENTRY_CRASH = 0x20;
export const ENTRY_STABLE = 0x30;
export const ENTRY_SAFE_EXIT = 0x40;

/** Where the history is kept. Writes program bytes that are 0xFF (flash: bits only clear). */
export interface HistoryStore {
  read(): Uint8Array | null;                   // the whole file, or null when absent
  writeByte(offset: number, value: number): void;
  rewrite(image: Uint8Array): void;            // replace the file (rare: when full, absent or foreign)
}

export interface HistoryState {
  bootCount: number;   // boots recorded since the file was created (u16 in the BOOT record)
  crashes: number;     // crashes since the last stable run
  safeMode: boolean;
  next: number;        // offset of the first free entry, HISTORY_SIZE when full
}

/** Reads the state out of a file image; null when the image is not a history file. */
export function parseHistory(img: Uint8Array | null): HistoryState | null {
  if (!img || img.length !== HISTORY_SIZE || img[0] !== HISTORY_MAGIC || img[1] !== HISTORY_VERSION) return null;
  const st: HistoryState = {
    bootCount: img[2] | (img[3] << 8),
    crashes: img[4] === 0xff ? 0 : img[4],
    safeMode: img[5] === 1,
    next: HISTORY_SIZE,
  };
  for (let i = HEADER; i < HISTORY_SIZE; i++) {
    const e = img[i];
    if (e === 0xff) { st.next = i; break; }
    applyEntry(st, e);
  }
  return st;
}

function applyEntry(st: HistoryState, e: number): void {
  const kind = e & 0xf0;
  if (kind === ENTRY_BOOT) {
    st.bootCount = (st.bootCount + 1) & 0xffff;
    const reason = e & 0x0f;
    // a boot after a watchdog, lockup or software reset is a crash
    if (reason === RESET_WATCHDOG || reason === RESET_LOCKUP || reason === RESET_SOFTWARE) st.crashes++;
  } else if (kind === ENTRY_CRASH) {
    st.crashes++;
  } else if (kind === ENTRY_STABLE) {
    st.crashes = 0;
  } else if (kind === ENTRY_SAFE_EXIT) {
    st.crashes = 0;
    st.safeMode = false;
  }
  if (st.crashes > 250) st.crashes = 250;
  if (st.crashes >= CRASH_LIMIT) st.safeMode = true;
}

/** A fresh image carrying a state forward (header only, no entries). */
export function historyImage(st: HistoryState): Uint8Array {
  const img = new Uint8Array(HISTORY_SIZE).fill(0xff);
  img[0] = HISTORY_MAGIC;
  img[1] = HISTORY_VERSION;
  img[2] = st.bootCount & 0xff;
  img[3] = (st.bootCount >> 8) & 0xff;
  img[4] = st.crashes;
  img[5] = st.safeMode ? 1 : 0;
  return img;
}

export interface BootInfo {
  resetReason: number;
  bootCount: number;   // this boot's number, u16 (BOOT record field b)
  crashes: number;     // crashes counted towards safe mode (SAFE_MODE record field a)
  safeMode: boolean;   // boot into safe mode: log SAFE_MODE and use the safe plan
}

export class Resilience {
  private readonly store: HistoryStore;
  /** The current state (read by PowerSupervisor; a getter per field would cost RAM on the device). */
  st: HistoryState = { bootCount: 0, crashes: 0, safeMode: false, next: HISTORY_SIZE };
  private crashEntries = 0;
  private lastCrashAt = 0;
  private tokens = ERROR_BURST;
  private lastRefill = 0;

  constructor(store: HistoryStore) {
    this.store = store;
  }

  /** Once, at boot, with the decoded reset reason. Appends the boot entry (one byte of flash). */
  boot(resetReason: number): BootInfo {
    let st = parseHistory(this.store.read());
    if (!st) {
      st = { bootCount: 0, crashes: 0, safeMode: false, next: HISTORY_SIZE };
      this.store.rewrite(historyImage(st));
      st.next = HEADER;
    }
    this.st = st;
    this.append(ENTRY_BOOT | (resetReason & 0x0f));
    return { resetReason: resetReason, bootCount: st.bootCount, crashes: st.crashes, safeMode: st.safeMode };
  }

  /** An uncaught exception was caught and the cap carries on (uptime: seconds since boot). Returns true
   *  when this crash just tipped the cap into safe mode (main switches to the safe plan, logs SAFE_MODE). */
  onCrash(uptime: number): boolean {
    const was = this.st.safeMode;
    this.lastCrashAt = uptime;
    // at most CRASH_LIMIT entries per run: enough to reach safe mode, no flash wear in an exception storm
    if (this.crashEntries < CRASH_LIMIT) {
      this.crashEntries++;
      this.append(ENTRY_CRASH);
    } else {
      applyEntry(this.st, ENTRY_CRASH);
    }
    return !was && this.st.safeMode;
  }

  /** Rate limit for ERROR records (token bucket over uptime seconds). */
  allowErrorRecord(uptime: number): boolean {
    const refill = Math.floor((uptime - this.lastRefill) / ERROR_REFILL_SECONDS);
    if (refill > 0) {
      this.tokens = Math.min(ERROR_BURST, this.tokens + refill);
      this.lastRefill += refill * ERROR_REFILL_SECONDS;
    }
    if (this.tokens <= 0) return false;
    this.tokens--;
    return true;
  }

  /** From the periodic health tick, with the seconds since boot. Writes the stable marker once the run
   *  has gone STABLE_SECONDS without a crash (only if there is a count to forget). Returns true once,
   *  when safe mode ends after SAFE_EXIT_SECONDS without a crash. */
  tick(uptime: number): boolean {
    const quiet = uptime - this.lastCrashAt;
    if (this.st.safeMode) {
      if (quiet >= SAFE_EXIT_SECONDS) {
        this.append(ENTRY_SAFE_EXIT);
        return true;
      }
    } else if (this.st.crashes > 0 && quiet >= STABLE_SECONDS) {
      this.append(ENTRY_STABLE);
    }
    return false;
  }

  /** Before a deliberate E.reboot(): the software reset that follows is not a crash. */
  beforeDeliberateReboot(): void {
    this.append(ENTRY_STABLE);
  }

  private append(entry: number): void {
    const st = this.st;
    if (st.next >= HISTORY_SIZE) {
      // full: carry the state into a fresh file (one rewrite per 58 entries, ~ every 30 boots)
      this.store.rewrite(historyImage(st));
      st.next = HEADER;
    }
    this.store.writeByte(st.next, entry);
    st.next++;
    applyEntry(st, entry);
  }
}
