// Errors in firmware are plain objects: Espruino cannot `extends Error` (docs/architecture.md, "Errors").
// `code` is a stable upper-case string for programs, `message` is for people. The ERROR record (type 0x0A)
// carries a number instead of the string: errorNumber() below maps one to the other. Add new codes at the end;
// never renumber (numbers are stored in flash and sent over BLE).

export interface FwError {
  code: string;
  message: string;
}

/** Makes the error object every firmware module throws. */
export function fwError(code: string, message: string): FwError {
  return { code: code, message: message };
}

/** The numeric code of an error code string for the ERROR record's `a` field; 0 means "unknown / not in
 *  this table". A switch rather than a table object: its code stays in flash, an object would hold ~20
 *  variables of RAM for the life of the firmware. */
export function errorNumber(code: string): number {
  switch (code) {
    case "INTERNAL": return 1; // a bug: an invariant did not hold
    case "LOG_VERIFY": return 2; // a flash write or erase did not read back as written
    case "LOG_ARG": return 3; // a record field out of range
    case "LOG_NOT_MOUNTED": return 4; // the log was used before mount()
    case "LOG_GEOMETRY": return 5; // a page store too small or with an unusable page size
    case "STORE_RANGE": return 6; // a page store access outside its pages or not word aligned
    case "STORE_ALIGN": return 7; // (reserved: the log's Storage file, dropped, was not page aligned or had moved)
    case "CONFIG_STORE": return 8; // a config slot did not read back, or pencap.cfg is full or missing (firmware/hw/cfg-file.ts)
    case "ERASE_LOW_BATTERY": return 9; // a page erase was needed below the erase threshold (docs/power.md)
    case "LOG_STORE": return 10; // no flash region for the log: a stock interpreter (docs/log-format.md)
  }
  return 0;
}
