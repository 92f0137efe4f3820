// Constants of docs/protocol.md, written from the document (client/ never imports firmware/).
export const SERVICE = "bd635a9b-a865-4781-94c2-0cef8c1bf40b";
export const RECORDS = "bd630001-a865-4781-94c2-0cef8c1bf40b";
export const RACP = "bd630002-a865-4781-94c2-0cef8c1bf40b";
export const TIME = "bd630003-a865-4781-94c2-0cef8c1bf40b";
export const STATUS = "bd630004-a865-4781-94c2-0cef8c1bf40b";
export const CONFIG = "bd630005-a865-4781-94c2-0cef8c1bf40b";
export const DIS = "0000180a-0000-1000-8000-00805f9b34fb";
export const DIS_SERIAL = "00002a25-0000-1000-8000-00805f9b34fb";
export const DIS_FIRMWARE = "00002a26-0000-1000-8000-00805f9b34fb";
export const BAS = "0000180f-0000-1000-8000-00805f9b34fb";
export const BAS_LEVEL = "00002a19-0000-1000-8000-00805f9b34fb";

export const OP = { report: 0x01, delete: 0x02, abort: 0x03, reportNumber: 0x04, numberResponse: 0x05, response: 0x06, annotate: 0xa1, notifySize: 0xa2, confirm: 0xa3 } as const;
export const OPERATOR = { null: 0x00, all: 0x01, le: 0x02, ge: 0x03, range: 0x04, first: 0x05, last: 0x06 } as const;
export const FILTER_SEQ = 0x01;
export const RC = {
  success: 0x01, opNotSupported: 0x02, invalidOperator: 0x03, operatorNotSupported: 0x04, invalidOperand: 0x05,
  noRecords: 0x06, abortUnsuccessful: 0x07, notCompleted: 0x08, operandNotSupported: 0x09,
  needsCap: 0x80, notSynced: 0x81, rateLimited: 0x82,
} as const;
export const WRITE_RESULT = { ok: 0, badLength: 1, badVersion: 2, outOfRange: 3, notStored: 4, logFailed: 5, part: 6, needsCap: 7, notSynced: 0x81, rateLimited: 0x82, none: 0xff } as const;

export const TYPE_NAMES: Record<number, string> = {
  1: "DOSE", 2: "CAP_CHECK", 3: "UNCERTAIN_DOSE", 4: "CAP_LEFT_OFF", 5: "TEMP_EXCURSION", 6: "TIME_SET", 7: "BOOT",
  8: "BATTERY_LOW", 9: "ANNOTATION", 10: "ERROR", 11: "LOG_CORRUPTION", 12: "DELETE", 13: "SAFE_MODE", 14: "CONFIG_CHANGED",
  15: "SEQ_SKIPPED",
};
export const T = { DOSE: 1, CAP_CHECK: 2, UNCERTAIN_DOSE: 3, TIME_SET: 6, BOOT: 7, ANNOTATION: 9, DELETE: 12, SEQ_SKIPPED: 15 } as const;
export const WALL_TIME_MIN = 946684800; // below: seconds since power-on (docs/architecture.md "Time")

export class ProtocolError extends Error {
  constructor(message: string, readonly code?: number) {
    super(message);
  }
}
