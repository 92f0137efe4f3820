// UUIDs of the pen cap's GATT service (docs/protocol.md "UUIDs").
// The service UUID is a random (version 4) UUID generated once for this project. The characteristics share
// its 128-bit base and differ only in bytes 2-3 of the first group ("bd63XXXX-..."), the position the
// nRF SoftDevice uses as the 16-bit alias of a vendor base, so the whole service costs one vendor UUID slot.
/** Constants as a const enum: esbuild inlines them, so none costs a variable on the cap (each exported
 *  name below is an alias kept for tests and the client). */
export const enum UuidK {
  SERVICE_UUID = "bd635a9b-a865-4781-94c2-0cef8c1bf40b",
  RECORDS_UUID = "bd630001-a865-4781-94c2-0cef8c1bf40b",
  RACP_UUID = "bd630002-a865-4781-94c2-0cef8c1bf40b",
  TIME_UUID = "bd630003-a865-4781-94c2-0cef8c1bf40b",
  STATUS_UUID = "bd630004-a865-4781-94c2-0cef8c1bf40b",
  CONFIG_UUID = "bd630005-a865-4781-94c2-0cef8c1bf40b",
  DIS_UUID = "0x180a",
  DIS_MANUFACTURER = "0x2a29",
  DIS_MODEL = "0x2a24",
  DIS_SERIAL = "0x2a25",
  DIS_FIRMWARE = "0x2a26",
  BAS_UUID = "0x180f",
  BAS_LEVEL = "0x2a19",
  CH_RECORDS = 1,
  CH_RACP = 2,
  CH_TIME = 3,
  CH_STATUS = 4,
  CH_CONFIG = 5,
  CH_BATTERY = 6,
}

export const SERVICE_UUID: string = UuidK.SERVICE_UUID;
export const RECORDS_UUID: string = UuidK.RECORDS_UUID;
export const RACP_UUID: string = UuidK.RACP_UUID;
export const TIME_UUID: string = UuidK.TIME_UUID;
export const STATUS_UUID: string = UuidK.STATUS_UUID;
export const CONFIG_UUID: string = UuidK.CONFIG_UUID;

// Standard services (Bluetooth SIG Assigned Numbers), as "0x" strings: Espruino's bleVarToUUID reads
// "0xABCD" as a 16-bit UUID, and a string key means the same in Node (a number key would become "6154").
export const DIS_UUID: string = UuidK.DIS_UUID;
export const DIS_MANUFACTURER: string = UuidK.DIS_MANUFACTURER;
export const DIS_MODEL: string = UuidK.DIS_MODEL;
export const DIS_SERIAL: string = UuidK.DIS_SERIAL;
export const DIS_FIRMWARE: string = UuidK.DIS_FIRMWARE;
export const BAS_UUID: string = UuidK.BAS_UUID;
export const BAS_LEVEL: string = UuidK.BAS_LEVEL;

// Characteristic ids used inside the engine (not on the wire).
export const CH_RECORDS: number = UuidK.CH_RECORDS;
export const CH_RACP: number = UuidK.CH_RACP;
export const CH_TIME: number = UuidK.CH_TIME;
export const CH_STATUS: number = UuidK.CH_STATUS;
export const CH_CONFIG: number = UuidK.CH_CONFIG;
export const CH_BATTERY: number = UuidK.CH_BATTERY;
