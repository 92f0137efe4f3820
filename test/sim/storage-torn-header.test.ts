// Known answer for 2v29's boot-time Storage check with a torn file header (src/jsflash.c, RELEASE_2V29):
// jsfGetNextFileHeader (lines 358-379) reads the next header; when it is not valid and GNFH_GET_ALL is set it
// skips to the next page (jsfGetAddressOfNextPage) and reads there. jsfIsBankStorageValid (lines 957-1001) walks
// that chain; when it ends, the last header read must be 32 x 0xFF (lines 992-1000), unless Storage is full
// (lines 984-990). So a torn header in a page that has a page after it is skipped (the next page's start is
// erased: valid), while a torn header in Storage's LAST page leaves no next page, the torn bytes are the last
// header read, and Storage is invalid: the interpreter erases it whole at the next boot (jsfResetStorage),
// .bootcde included. This is why the firmware writes no Storage header in the field (docs/log-format.md
// "No Storage churn in the field"; test/e2e/no-storage-churn.test.ts).
import { describe, expect, it } from "vitest";
import { NorFlash } from "../../sim/flash/nor.js";
import { EspruinoStorage } from "../../sim/storage.js";

const PAGE = 4096;
const STORAGE = 0x6c000;
const PAGES = 10;

/** Storage with a first file ending in page `pageIndex` of Storage (100 bytes into it), then a torn header after it. */
function tornAfter(pageIndex: number): EspruinoStorage {
  const flash = new NorFlash({ pageSize: PAGE, pageCount: PAGES, baseAddress: STORAGE, seed: 1 });
  const st = new EspruinoStorage(flash, STORAGE, PAGES);
  const size = pageIndex * PAGE + 100 - 32;
  st.write(".bootcde", new Uint8Array(size).fill(0x20));
  expect(st.isValid()).toBe(true);
  // the next header's first word (its size) torn by a power cut: some bits cleared, not all, so its size
  // (0xF01000 with the flags byte 0xFF) runs past the end of Storage: not a valid header
  const next = STORAGE + 32 + size + ((4 - (size % 4)) % 4);
  expect(Math.floor((next - STORAGE) / PAGE)).toBe(pageIndex);
  flash.writeWords(next, Uint8Array.from([0x00, 0x10, 0xf0, 0xff]));
  return st;
}

describe("a torn Storage file header (jsfIsStorageValid, 2v29)", () => {
  it("in an earlier page: skipped to the next page, Storage valid", () => {
    for (const p of [0, 3, PAGES - 2]) expect(tornAfter(p).isValid(), `page ${p}`).toBe(true);
  });
  it("in the last page: Storage invalid (the interpreter erases it whole, .bootcde included)", () => {
    expect(tornAfter(PAGES - 1).isValid()).toBe(false);
  });
});
