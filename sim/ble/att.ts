// ATT error codes, Bluetooth Core Specification v5.3, Vol 3 (Host), Part F (ATT), 3.4.1.1 table 3.4.
export const ATT_ERR = {
  INVALID_HANDLE: 0x01,
  READ_NOT_PERMITTED: 0x02,
  WRITE_NOT_PERMITTED: 0x03,
  INVALID_PDU: 0x04,
  INSUFFICIENT_AUTHENTICATION: 0x05,
  REQUEST_NOT_SUPPORTED: 0x06,
  INVALID_OFFSET: 0x07,
  INSUFFICIENT_AUTHORIZATION: 0x08,
  PREPARE_QUEUE_FULL: 0x09,
  ATTRIBUTE_NOT_FOUND: 0x0a,
  ATTRIBUTE_NOT_LONG: 0x0b,
  INSUFFICIENT_ENCRYPTION_KEY_SIZE: 0x0c,
  INVALID_ATTRIBUTE_VALUE_LENGTH: 0x0d,
  UNLIKELY_ERROR: 0x0e,
  INSUFFICIENT_ENCRYPTION: 0x0f,
  UNSUPPORTED_GROUP_TYPE: 0x10,
  INSUFFICIENT_RESOURCES: 0x11,
} as const;

/** Rejection value of a central operation that the server answered with an ATT Error Response. */
export interface AttErrorRejection {
  attError: number;
  message: string;
}

/** Rejection value of a central operation that failed without an ATT error (no link, lost link, ...). */
export interface LinkRejection {
  reason: "NOT_CONNECTED" | "NOT_CONNECTABLE" | "LINK_LOST" | "DISCONNECTED" | "NOT_FOUND" | "NOT_SUPPORTED" | "PAIRING_FAILED" | "BUSY";
  message: string;
  authStatus?: string;
}

export function attName(code: number): string {
  for (const [k, v] of Object.entries(ATT_ERR)) if (v === code) return k;
  return `0x${code.toString(16)}`;
}
