// The seams of the pure BLE engine. The real implementations are DoseLog (firmware/log), the NRF adapter
// (firmware/hw/ble.ts) and the Storage adapter; tests use in-memory fakes.

/** The subset of the DoseLog API (docs/architecture.md) the BLE engine uses. */
export interface LogPort {
  append(type: number, flags: number, time: number, a: number, b: number): number;
  readFrom(seq: number, out: Uint8Array): number;
  /** Up to max valid records with seq >= seq into out, back to back; how many (DoseLog.readMany: a cursor,
   *  so reading on from the last record's seq + 1 costs no search). */
  readMany(seq: number, out: Uint8Array, max: number): number;
  count(): number;
  oldestSeq(): number;
  newestSeq(): number;
  /** Records the ring is guaranteed to keep (DoseLog: (pages - 2) x records per page): the last `capacity`
   *  seqs survive any append. The RACP's app-record guard needs it (docs/protocol.md 3.2 "App records"). */
  readonly capacity: number;
}

/**
 * Outgoing packets: one function, not an object with notify() and indicate() (RAM on the cap). The engine
 * indicates on the RACP (UuidK.CH_RACP) only and notifies on Records and Status only, so the characteristic
 * says which is meant. Returns true when the radio accepted the packet (it is then the radio's job), false
 * when its queue is full: the engine keeps the packet and offers it again on the next pump().
 * `data` is a view of a reusable buffer: copy it (NRF.updateServices does) before returning.
 */
export type Send = (ch: number, data: Uint8Array) => boolean;

/** The device clock: getTime() and setTime() on Espruino. */
export interface Clock {
  now(): number;
  set(unixSeconds: number): void;
}

/** Persistence of the 28-byte config (require("Storage") on the cap). */
export interface ConfigStore {
  load(): Uint8Array | undefined;
  save(bytes: Uint8Array): void; // throws {code, message} on failure
}
// Errors thrown through these seams are firmware/errors.ts's {code, message} objects (fwError).
