// Page header codec (docs/log-format.md, "Page header"). 32 bytes at the start of every log page:
//  0 u32 magic "DLOG"   4 u8 version   5 u8 record size   6 u8 header size   7 u8 0xFF
//  8 u32 page sequence  12 u32 first record seq  16 u32 erase count  20 u16 page size  22 u16 0xFFFF
// 24 u32 header check: CRC-32 of bytes 0..23 (0xFFFFFFFF stored as 0)
// 28 u32 state: 0xFFFFFFFF live; any other value = retired (cleared before the page is erased)
import { crc32, get16, get32, put32, RECORD_SIZE } from "./record";

export const PAGE_MAGIC = 0x474f4c44; // bytes 44 4C 4F 47 = "DLOG"
export const FORMAT_VERSION = 1;
export const HEADER_SIZE = 32;
/** Bytes written when a page is opened: everything but the state word, which stays 0xFFFFFFFF. */
export const HEADER_WRITTEN = 28;
export const STATE_OFFSET = 28;

// Header classes.
export const H_BLANK = 0; // 32 bytes of 0xFF
export const H_LIVE = 1; // ours, this version, check ok, state live
export const H_RETIRED = 2; // ours, check ok, state cleared: about to be erased
export const H_OTHER = 3; // magic and check ok, but another version or geometry (fields at 8..23 still usable)
export const H_BAD = 4; // anything else: garbage, torn write or torn erase, foreign data

export function headerCheck(h: Uint8Array): number {
  const c = crc32(h, 24);
  return c === 0xffffffff ? 0 : c;
}

/** Fills `h` (at least 32 bytes) with a live header. */
export function encodeHeader(h: Uint8Array, pageSeq: number, firstSeq: number, eraseCount: number, pageSize: number): void {
  put32(h, 0, PAGE_MAGIC);
  h[4] = FORMAT_VERSION;
  h[5] = RECORD_SIZE;
  h[6] = HEADER_SIZE;
  h[7] = 0xff;
  put32(h, 8, pageSeq);
  put32(h, 12, firstSeq);
  put32(h, 16, eraseCount);
  h[20] = pageSize & 0xff;
  h[21] = (pageSize >>> 8) & 0xff;
  h[22] = 0xff;
  h[23] = 0xff;
  put32(h, 24, headerCheck(h));
  put32(h, 28, 0xffffffff);
}

export function classifyHeader(h: Uint8Array, pageSize: number): number {
  let blank = true;
  for (let i = 0; i < HEADER_SIZE; i++) {
    if (h[i] !== 0xff) {
      blank = false;
      break;
    }
  }
  if (blank) return H_BLANK;
  if (get32(h, 0) !== PAGE_MAGIC || get32(h, 24) !== headerCheck(h)) return H_BAD;
  if (h[4] !== FORMAT_VERSION || h[5] !== RECORD_SIZE || h[6] !== HEADER_SIZE || get16(h, 20) !== (pageSize & 0xffff)) return H_OTHER;
  return get32(h, STATE_OFFSET) === 0xffffffff ? H_LIVE : H_RETIRED;
}

// Fields read by the log with get32: page sequence at 8, first record seq at 12, erase count at 16.
