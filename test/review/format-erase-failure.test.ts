// Review of the RAM work (log.ts): a formatting mount whose one erase fails must leave the log unmounted, as
// before the formatting path reused maintain(). The erase of page 0 failing (LOG_VERIFY: it did not read back)
// makes mount() throw; the log must then refuse appends (LOG_NOT_MOUNTED, docs/protocol.md error 4) and
// maintain() must do nothing, instead of writing records into a page that has no header.
import { beforeAll, describe, expect, it } from "vitest";
import { DoseLog, type PageStore } from "../../firmware/log/log.js";
import { T_DOSE } from "../../firmware/log/record.js";
import { installCrc, makeFlash, norPage } from "../log/helpers.js";

beforeAll(installCrc);

describe("formatting mount with a failing erase", () => {
  it("throws, and the log stays unmounted: append refuses, maintain and the flash are untouched", () => {
    const pageSize = 256;
    const pages = 4;
    const { nor, store } = makeFlash(pageSize, pages);
    // Foreign data in store page 0: the formatting mount must erase it.
    nor.writeWords(nor.baseAddress + norPage(pages, 0) * pageSize, new Uint8Array(pageSize).map((_, i) => (i * 37) & 0xff));
    let eraseCalls = 0;
    const failing: PageStore = {
      pageSize: store.pageSize,
      pageCount: store.pageCount,
      read: (p, o, n) => store.read(p, o, n),
      write: (p, o, d) => store.write(p, o, d),
      erase: () => {
        eraseCalls++;
        throw { code: "LOG_VERIFY", message: "flash erase did not read back" };
      },
    };
    const log = new DoseLog(failing);
    expect(() => log.mount()).toThrow();
    expect(eraseCalls).toBe(1);
    const before: Uint8Array[] = [];
    for (let p = 0; p < pages; p++) before.push(store.read(p, 0, pageSize).slice());

    let err: unknown;
    try {
      log.append(T_DOSE, 0, 1000, 1, 2);
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: "LOG_NOT_MOUNTED" });
    log.maintain(); // not mounted: nothing to prepare
    expect(eraseCalls).toBe(1);
    for (let p = 0; p < pages; p++) expect(store.read(p, 0, pageSize)).toEqual(before[p]);
  });
});
