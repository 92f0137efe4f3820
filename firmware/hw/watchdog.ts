// The thin adapter between the resilience policy (firmware/power/) and Espruino 2v29:
//  - E.enableWatchdog(timeout, isAuto) / E.kickWatchdog()  (src/jswrap_espruino.c; on nRF52 the WDT keeps
//    running while the CPU sleeps and cannot be stopped once started, targets/nrf5x/jshardware.c)
//  - process.on('uncaughtException', fn) is installed by main.ts itself (src/jswrap_process.c, called from
//    jsiCheckErrors in src/jsinteractive.c: the exception is cleared when a handler exists)
//  - E.getErrorFlags() (get-and-clear)                       (src/jswrap_espruino.c)
//  - the reset reason: 2v29 has no JS API for it; nRF52 POWER.RESETREAS is at 0x40000400 (read with
//    peek32, cleared by writing the read bits back, as the register is cumulative until cleared)
//  (The crash history is in the state area of the log region, firmware/log/state.ts: never a Storage file.)
import { RESET_UNKNOWN, resetReasonFromRegister } from "../power/resilience";

interface EspruinoWatchdogApi {
  enableWatchdog(timeout: number, isAuto: boolean): void;
  kickWatchdog(): void;
  getErrorFlags?: () => string[];
  toUint8Array(s: string): Uint8Array;
}
interface EspruinoProcess {
  env: { BOARD?: string };
}
declare const E: EspruinoWatchdogApi;
declare const process: EspruinoProcess;
declare function peek32(addr: number): number;
declare function poke32(addr: number, value: number): void;

const RESETREAS = 0x40000400;

/** Kicks the watchdog (PowerHardware.kick). With startSeconds > 0 (once, at boot) it first starts it in
 *  manual mode: only these kicks (from the health check) keep the cap alive. Starting and kicking are one
 *  function because each function costs RAM on the device. */
export function kickWatchdog(startSeconds: number): void {
  if (startSeconds > 0) E.enableWatchdog(startSeconds, false);
  E.kickWatchdog();
}

/** E.getErrorFlags() (reads and clears); [] where the build lacks it. */
export function takeErrorFlags(): string[] {
  const f = E.getErrorFlags ? E.getErrorFlags() : undefined;
  return f ? f : [];
}

/** The reason for this reset (firmware/power/resilience.ts codes), read once at boot and cleared so the
 *  next boot sees only its own cause. RESET_UNKNOWN off the nRF52 (host build, simulator). */
export function readResetReason(): number {
  const board = process.env.BOARD;
  // typeof is safe on an undefined global (the simulator may not provide peek32)
  if ((board !== "PENCAP" && board !== "MDBT42Q" && board !== "PUCKJS") || typeof peek32 !== "function" || typeof poke32 !== "function") {
    return RESET_UNKNOWN;
  }
  const reg = peek32(RESETREAS) >>> 0;
  if (reg) poke32(RESETREAS, reg);
  return resetReasonFromRegister(reg);
}
