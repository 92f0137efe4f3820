// Security rules as pure logic (docs/protocol.md "Security"). The NRF adapter declares the same rules to
// the SoftDevice through each characteristic's `security` option, so a stranger's write is refused by the
// radio itself; the engine checks them again (defence in depth, and the rules are testable here).
import { UuidK } from "./uuids";

/** Constants as a const enum: esbuild inlines them, so none costs a variable on the cap (each exported
 *  name below is an alias kept for tests and the client). */
export const enum SecK {
  ATT_OK = 0,
  ATT_WRITE_NOT_PERMITTED = 0x03, // Core spec v5.3 Vol 3 Part F 3.4.1.1
  ATT_INSUFFICIENT_AUTHENTICATION = 0x05,
  OP_READ = 0,
  OP_WRITE = 1,
  OP_SUBSCRIBE = 2,
  PAIR_AFTER_POWER_ON_S = 180,
  PAIR_AFTER_GESTURE_S = 120,
}

export const ATT_OK: number = SecK.ATT_OK;
export const ATT_WRITE_NOT_PERMITTED: number = SecK.ATT_WRITE_NOT_PERMITTED; // Core spec v5.3 Vol 3 Part F 3.4.1.1
export const ATT_INSUFFICIENT_AUTHENTICATION: number = SecK.ATT_INSUFFICIENT_AUTHENTICATION;

export const OP_READ: number = SecK.OP_READ;
export const OP_WRITE: number = SecK.OP_WRITE;
export const OP_SUBSCRIBE: number = SecK.OP_SUBSCRIBE;

/** 0 when the operation is allowed on a link with this security, else the ATT error. */
export function access(ch: number, op: number, encrypted: boolean, bonded: boolean): number {
  const trusted = encrypted && bonded;
  switch (ch) {
    case UuidK.CH_BATTERY:
      // Public: the battery says nothing about the therapy.
      return op === SecK.OP_WRITE ? SecK.ATT_WRITE_NOT_PERMITTED : SecK.ATT_OK;
    case UuidK.CH_STATUS:
      // The time of the last dose, the newest seq: therapy facts (docs/protocol.md 6).
      if (op === SecK.OP_WRITE) return SecK.ATT_WRITE_NOT_PERMITTED;
      return trusted ? SecK.ATT_OK : SecK.ATT_INSUFFICIENT_AUTHENTICATION;
    case UuidK.CH_RECORDS:
      if (op === SecK.OP_WRITE || op === SecK.OP_READ) return SecK.ATT_WRITE_NOT_PERMITTED;
      return trusted ? SecK.ATT_OK : SecK.ATT_INSUFFICIENT_AUTHENTICATION;
    case UuidK.CH_RACP:
      if (op === SecK.OP_READ) return SecK.ATT_WRITE_NOT_PERMITTED;
      return trusted ? SecK.ATT_OK : SecK.ATT_INSUFFICIENT_AUTHENTICATION;
    case UuidK.CH_TIME:
    case UuidK.CH_CONFIG:
      if (op === SecK.OP_SUBSCRIBE) return SecK.ATT_WRITE_NOT_PERMITTED;
      return trusted ? SecK.ATT_OK : SecK.ATT_INSUFFICIENT_AUTHENTICATION;
  }
  return SecK.ATT_WRITE_NOT_PERMITTED;
}

/**
 * New bonds are accepted only while this window is open: for SecK.PAIR_AFTER_POWER_ON_S after a power-on reset
 * (battery inserted) or SecK.PAIR_AFTER_GESTURE_S after the pairing gesture (5 cap open/close clicks within
 * 6 s, recognised by the detector). One successful bond closes it. firmware/hw/ble.ts keeps the window as one
 * number (the clock time it closes), shifted with the clock when the app sets the time.
 */
export const PAIR_AFTER_POWER_ON_S: number = SecK.PAIR_AFTER_POWER_ON_S;
export const PAIR_AFTER_GESTURE_S: number = SecK.PAIR_AFTER_GESTURE_S;
