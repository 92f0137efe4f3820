// UUIDs of the pen cap's GATT service (docs/protocol.md "UUIDs").
// The service UUID is a random (version 4) UUID generated once for this project. The characteristics share
// its 128-bit base and differ only in bytes 2-3 of the first group ("bd63XXXX-..."), the position the
// nRF SoftDevice uses as the 16-bit alias of a vendor base, so the whole service costs one vendor UUID slot.
export const SERVICE_UUID = "bd635a9b-a865-4781-94c2-0cef8c1bf40b";
export const RECORDS_UUID = "bd630001-a865-4781-94c2-0cef8c1bf40b";
export const RACP_UUID = "bd630002-a865-4781-94c2-0cef8c1bf40b";
export const TIME_UUID = "bd630003-a865-4781-94c2-0cef8c1bf40b";
export const STATUS_UUID = "bd630004-a865-4781-94c2-0cef8c1bf40b";
export const CONFIG_UUID = "bd630005-a865-4781-94c2-0cef8c1bf40b";

// Standard services (Bluetooth SIG Assigned Numbers), as "0x" strings: Espruino's bleVarToUUID reads
// "0xABCD" as a 16-bit UUID, and a string key means the same in Node (a number key would become "6154").
export const DIS_UUID = "0x180a";
export const DIS_MANUFACTURER = "0x2a29";
export const DIS_MODEL = "0x2a24";
export const DIS_SERIAL = "0x2a25";
export const DIS_FIRMWARE = "0x2a26";
export const BAS_UUID = "0x180f";
export const BAS_LEVEL = "0x2a19";

// Characteristic ids used inside the engine (not on the wire).
export const CH_RECORDS = 1;
export const CH_RACP = 2;
export const CH_TIME = 3;
export const CH_STATUS = 4;
export const CH_CONFIG = 5;
export const CH_BATTERY = 6;
