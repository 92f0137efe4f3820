// A slot that is not blank (stray bits, garbage a torn write or a worn cell left) is skipped by append, never
// written over: a write over it would AND the record into the garbage (a write only clears bits) and, three such
// slots in a row, throw away the dose. Kills the mutant "no blank-slot check before an append" (issue 14).
import { beforeAll, describe, expect, it } from "vitest";
import { DoseLog } from "../../firmware/log/log.js";
import { recSeq, T_DOSE } from "../../firmware/log/record.js";
import { installCrc, makeFlash, norPage } from "../log/helpers.js";

beforeAll(installCrc);

describe("append and slots that are not blank", () => {
  it("four garbage slots at the head: the dose goes into the next blank slot, the garbage is left untouched", () => {
    const PAGE = 1024;
    const { nor, store } = makeFlash(PAGE, 4);
    const log = new DoseLog(store);
    log.mount();
    for (let k = 0; k < 5; k++) expect(log.append(T_DOSE, 0, 100 + k, 20, 0)).toBe(k + 1);
    // the head is store page 0 (NOR page counted from the top); slots 5..8 get a cleared byte each
    const base = norPage(4, 0) * PAGE + 32;
    for (let s = 5; s < 9; s++) nor.bytes[base + s * 16 + 1] = 0x00;
    const before = nor.bytes.slice(base + 5 * 16, base + 9 * 16);
    const seq = log.append(T_DOSE, 0, 200, 25, 0);
    expect(seq).toBe(10); // seqs 6..9 went with the skipped slots, never reused
    expect(nor.bytes.slice(base + 5 * 16, base + 9 * 16)).toEqual(before);
    const out = new Uint8Array(16);
    expect(log.readFrom(6, out)).toBe(10);
    expect(recSeq(out, 0)).toBe(10);
  });
});
