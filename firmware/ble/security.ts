// Security rules as pure logic (docs/protocol.md "Security"). The NRF adapter declares the same rules to
// the SoftDevice through each characteristic's `security` option, so a stranger's write is refused by the
// radio itself; the engine checks them again (defence in depth, and the rules are testable here).
import { CH_BATTERY, CH_CONFIG, CH_RACP, CH_RECORDS, CH_STATUS, CH_TIME } from "./uuids";

export const ATT_OK = 0;
export const ATT_WRITE_NOT_PERMITTED = 0x03; // Core spec v5.3 Vol 3 Part F 3.4.1.1
export const ATT_INSUFFICIENT_AUTHENTICATION = 0x05;

export const OP_READ = 0;
export const OP_WRITE = 1;
export const OP_SUBSCRIBE = 2;

/** 0 when the operation is allowed on a link with this security, else the ATT error. */
export function access(ch: number, op: number, encrypted: boolean, bonded: boolean): number {
  const trusted = encrypted && bonded;
  switch (ch) {
    case CH_STATUS:
    case CH_BATTERY:
      // Public: the same facts are in the advertising data.
      return op === OP_WRITE ? ATT_WRITE_NOT_PERMITTED : ATT_OK;
    case CH_RECORDS:
      if (op === OP_WRITE || op === OP_READ) return ATT_WRITE_NOT_PERMITTED;
      return trusted ? ATT_OK : ATT_INSUFFICIENT_AUTHENTICATION;
    case CH_RACP:
      if (op === OP_READ) return ATT_WRITE_NOT_PERMITTED;
      return trusted ? ATT_OK : ATT_INSUFFICIENT_AUTHENTICATION;
    case CH_TIME:
    case CH_CONFIG:
      if (op === OP_SUBSCRIBE) return ATT_WRITE_NOT_PERMITTED;
      return trusted ? ATT_OK : ATT_INSUFFICIENT_AUTHENTICATION;
  }
  return ATT_WRITE_NOT_PERMITTED;
}

/**
 * New bonds are accepted only while this window is open: for PAIR_AFTER_POWER_ON_S after a power-on reset
 * (battery inserted) or PAIR_AFTER_GESTURE_S after the pairing gesture (5 cap open/close clicks within
 * 6 s, recognised by the detector). One successful bond closes it. firmware/hw/ble.ts keeps the window as one
 * number (the clock time it closes), shifted with the clock when the app sets the time.
 */
export const PAIR_AFTER_POWER_ON_S = 180;
export const PAIR_AFTER_GESTURE_S = 120;
