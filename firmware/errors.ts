// Errors in firmware are plain objects: Espruino cannot `extends Error` (docs/architecture.md, "Errors").
// `code` is a stable upper-case string for programs, `message` is for people. The ERROR record (type 0x0A)
// carries a number instead of the string: the table below maps one to the other. Add new codes at the end;
// never renumber (numbers are stored in flash and sent over BLE).

export interface FwError {
  code: string;
  message: string;
}

/** Makes the error object every firmware module throws. */
export function fwError(code: string, message: string): FwError {
  return { code: code, message: message };
}

/** True when `e` is a firmware error with this code (anything thrown may reach a catch). */
export function isFwError(e: unknown, code: string): boolean {
  return typeof e === "object" && e !== null && (e as FwError).code === code;
}

/** Numeric codes for the ERROR record's `a` field. 0 means "unknown / not in this table". */
export const ERROR_CODES: { [code: string]: number } = {
  INTERNAL: 1, // a bug: an invariant did not hold
  LOG_VERIFY: 2, // a flash write or erase did not read back as written
  LOG_ARG: 3, // a record field out of range
  LOG_NOT_MOUNTED: 4, // the log was used before mount()
  LOG_GEOMETRY: 5, // a page store too small or with an unusable page size
  STORE_RANGE: 6, // a page store access outside its pages or not word aligned
  STORE_ALIGN: 7, // a Storage file that is not page aligned (it cannot be erased page by page)
  CONFIG_STORE: 8, // the BLE config file did not read back as written (firmware/hw/ble.ts)
};

/** The numeric code of an error code string (0 when unknown). */
export function errorNumber(code: string): number {
  const n = ERROR_CODES[code];
  return typeof n === "number" ? n : 0;
}
