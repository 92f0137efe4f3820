// flash.sh's board check before an upload (scripts/flash/check-board.mjs) and its interpreter (DFU) steps,
// through --dry-run with the board's answer given (--board-info), as test/toolchain/flash.test.ts does for the
// upload itself. The answers are shaped as 2v29 gives them (getStats() keys checked on the host build below).
import { describe, expect, it } from "vitest";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { spawnSync } from "node:child_process";
import { checkBoard, parseBoardInfo, PROBE, MIN_FLASH_PAGES, MAX_FLASH_PAGES, STORAGE_LOG_BYTES } from "../../scripts/flash/check-board.mjs";
import measured from "../../boards/measured.json";
import { ROOT, ESPRUINO_BIN, explainSkip } from "./helpers";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "flash-check-"));
const bundle = path.join(tmp, "firmware.js");
fs.writeFileSync(bundle, "x".repeat(34392)); // the size of today's bundle
const fileBytes = (n: number) => 32 + Math.ceil(n / 4) * 4; // 2v29 Storage: 32-byte header, 4-byte padding

function answer(board: string, freePages: number, files: number[]): string {
  const P = measured.boards.PENCAP;
  const addr = parseInt(P.storageAddress, 16) - freePages * 4096;
  const used = files.reduce((n, f) => n + fileBytes(f), 0);
  return "PENCAP_BOARDINFO " + JSON.stringify({
    board, version: "2v29",
    flash: freePages ? [{ addr, length: freePages * 4096 }] : [],
    page: freePages ? { addr, length: 4096 } : null,
    stats: { totalBytes: 40960, freeBytes: 40960 - used, fileBytes: used, fileCount: files.length, trashBytes: 0, trashCount: 0 },
    boot: files[0] ?? 0,
  });
}
function flash(...args: string[]) {
  const r = spawnSync(path.join(ROOT, "flash.sh"), args, { cwd: ROOT, encoding: "utf8", timeout: 120_000 });
  return { status: r.status, out: r.stdout + r.stderr };
}

describe("the board check", () => {
  it("uses the firmware's own store decision figures", () => {
    const src = fs.readFileSync(path.join(ROOT, "firmware/hw/storage-store.ts"), "utf8");
    const k = (name: string) => Number(new RegExp(`${name} = (\\d+)`).exec(src)![1]);
    expect([MIN_FLASH_PAGES, MAX_FLASH_PAGES]).toEqual([k("MIN_FLASH_PAGES"), k("MAX_FLASH_PAGES")]);
    expect(STORAGE_LOG_BYTES).toBe((k("STORAGE_PAGES") + 1) * k("FLASH_PAGE_SIZE"));
  });

  it("a stock MDBT42Q (0 free pages) with the bundle in Storage: refused, naming the cap build; nothing written", () => {
    const out = path.join(tmp, "stock.js");
    const r = flash("--bundle", bundle, "--board-info", answer("MDBT42Q", 0, [34392, 64]), "--dry-run", out);
    expect(r.status).toBe(5);
    expect(r.out).toContain("REFUSED: the firmware could not open its dose log here: 0 free flash pages");
    expect(r.out).toContain("boards/PENCAP.py");
    expect(r.out).toContain("scripts/espruino/build-cap.sh");
    expect(fs.existsSync(out)).toBe(false);
  });

  it("the cap's build: the log gets its flash pages and the upload goes ahead", () => {
    const out = path.join(tmp, "cap.js");
    const n = measured.boards.PENCAP.freePages;
    const r = flash("--bundle", bundle, "--board-info", answer("PENCAP", n, [34392]), "--dry-run", out);
    expect(r.status).toBe(0);
    expect(r.out).toContain(`log: ${n} flash pages, ${(n - 2) * 254} records always kept`);
    expect(r.out).not.toContain("WARNING");
    expect(fs.readFileSync(out, "latin1")).toContain('require("Storage").write(".bootcde",');
  });

  it("few free pages or a Storage log: allowed, with a warning below 4,000 records", () => {
    const few = checkBoard(parseBoardInfo(answer("PUCKJS", 5, [])), 34392);
    expect([few.ok, few.store, few.recordsKept]).toEqual([true, "flash", 762]);
    expect(few.lines.join("\n")).toMatch(/WARNING: fewer than 4000 records/);
    const small = checkBoard(parseBoardInfo(answer("MDBT42Q", 0, [])), 10_000); // a small bundle leaves room
    expect([small.ok, small.store, small.recordsKept, small.storageFreeAfter]).toEqual([true, "storage", 254, 40960 - fileBytes(10_000)]);
  });

  it("counts the old boot code as replaced and other files as kept", () => {
    const r = checkBoard(parseBoardInfo(answer("MDBT42Q", 0, [30000, 5000])), 34392);
    expect(r.storageFreeAfter).toBe(40960 - fileBytes(5000) - fileBytes(34392));
    const tooBig = checkBoard(parseBoardInfo(answer("PENCAP", 19, [1000, 10000])), 34392);
    expect(tooBig.ok).toBe(false);
    expect(tooBig.lines.join("\n")).toMatch(/the bundle does not fit in Storage/);
  });

  it("an answer without the figures is an error (exit 4), not a pass", () => {
    const r = flash("--bundle", bundle, "--board-info", '{"board":"MDBT42Q"}', "--dry-run", path.join(tmp, "bad.js"));
    expect(r.status).toBe(4);
    expect(r.out).toContain("could not read the board's free flash");
  });
});

describe("flash.sh --interpreter", () => {
  it("prints the DFU steps for a zip; refuses a missing file or a non-zip", () => {
    const zip = path.join(tmp, "espruino_2v29_pencap.zip");
    fs.writeFileSync(zip, "PK\x03\x04 not a real package");
    const ok = flash("--interpreter", zip);
    expect(ok.status).toBe(0);
    expect(ok.out).toContain("DFUTARG");
    expect(ok.out).toContain(`nrfutil dfu ble -ic NRF -pkg "${zip}"`);
    expect(flash("--interpreter", path.join(tmp, "none.zip")).status).toBe(3);
    const hex = path.join(tmp, "x.hex");
    fs.writeFileSync(hex, ":10000000");
    const r = flash("--interpreter", hex);
    expect(r.status).toBe(3);
    expect(r.out).toContain("not a zip");
  });
});

describe("the probe on the real interpreter", () => {
  explainSkip();
  it.skipIf(!ESPRUINO_BIN)("answers one PENCAP_BOARDINFO line that the check reads", () => {
    const cwd = fs.mkdtempSync(path.join(os.tmpdir(), "probe-"));
    const r = spawnSync(ESPRUINO_BIN!, ["-e", PROBE], { cwd, encoding: "latin1", timeout: 20_000 });
    const info = parseBoardInfo(r.stdout);
    expect(info.board).toBe("LINUX");
    expect(info.stats.totalBytes).toBeGreaterThan(0);
    const c = checkBoard(info, 34392);
    expect(c.lines[0]).toMatch(/^LINUX \(Espruino 2v29\): Flash.getFree\(\) \d+ pages of 1024 bytes/);
  });
});
