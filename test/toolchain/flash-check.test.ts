// flash.sh's board check before an upload (scripts/flash/check-board.mjs) and its interpreter (DFU) steps,
// through --dry-run with the board's answer given (--board-info), as test/toolchain/flash.test.ts does for the
// upload itself. The answers are shaped as 2v29 gives them (getStats() keys checked on the host build below).
import { describe, expect, it } from "vitest";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { spawnSync } from "node:child_process";
import { checkBoard, parseBoardInfo, PROBE, MIN_LOG_PAGES, MAX_LOG_PAGES, STATE_PAGES, LINUX_LOG_PAGES, MIN_FREE_PAGES } from "../../scripts/flash/check-board.mjs";
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
  it("uses the firmware's own log region figures", () => {
    // openLogRegion(minLogPages, maxLogPages) in firmware/main.ts, the state area's R.STATE_PAGES in flash-store.ts
    const main = fs.readFileSync(path.join(ROOT, "firmware/main.ts"), "utf8");
    const calls = [...main.matchAll(/openLogRegion\((\d+), (\d+)\)/g)].map((m) => [Number(m[1]), Number(m[2])]);
    expect(calls).toEqual([LINUX_LOG_PAGES, [MIN_LOG_PAGES, MAX_LOG_PAGES]]); // the host build's, then the boards'
    const store = fs.readFileSync(path.join(ROOT, "firmware/hw/flash-store.ts"), "utf8");
    expect(Number(/STATE_PAGES = (\d+)/.exec(store)![1])).toBe(STATE_PAGES);
    expect(MIN_FREE_PAGES).toBe(5);
    expect(fs.existsSync(path.join(ROOT, "firmware/hw/storage-store.ts")), "no Storage-file log any more").toBe(false);
  });

  it("a stock MDBT42Q (0 free pages): refused (a RAM log only), naming the cap build; nothing written", () => {
    const out = path.join(tmp, "stock.js");
    const r = flash("--bundle", bundle, "--board-info", answer("MDBT42Q", 0, [34392, 64]), "--dry-run", out);
    expect(r.status).toBe(5);
    expect(r.out).toContain("REFUSED: the firmware could not open its dose log here: 0 free flash pages (it needs 5");
    expect(r.out).toContain("RAM only");
    expect(r.out).toContain("boards/PENCAP.py");
    expect(r.out).toContain("scripts/espruino/build-cap.sh");
    expect(fs.existsSync(out)).toBe(false);
  });

  it("the cap's build: the log gets its flash pages, >= 4,000 records, and the upload goes ahead", () => {
    const out = path.join(tmp, "cap.js");
    const n = measured.boards.PENCAP.freePages;
    const r = flash("--bundle", bundle, "--board-info", answer("PENCAP", n, [34392]), "--dry-run", out);
    expect(r.status).toBe(0);
    expect((n - 4) * 254).toBeGreaterThanOrEqual(4000);
    expect(r.out).toContain(`log: ${n} flash pages (${n - 2} for the dose log, 2 for the state area), ${(n - 4) * 254} records always kept`);
    expect(r.out).not.toContain("WARNING");
    expect(fs.readFileSync(out, "latin1")).toContain('require("Storage").write(".bootcde",');
  });

  it("4 free pages: refused; 5 to 19: allowed with a warning below 4,000 records; at most 34 pages taken", () => {
    const four = checkBoard(parseBoardInfo(answer("PUCKJS", 4, [])), 34392);
    expect([four.ok, four.store, four.recordsKept]).toEqual([false, "ram", 0]);
    expect(four.lines.join("\n")).toMatch(/REFUSED: .* 4 free flash pages \(it needs 5: 3 for the log, 2 for the state area\)/);
    const five = checkBoard(parseBoardInfo(answer("PUCKJS", 5, [])), 34392);
    expect([five.ok, five.store, five.recordsKept]).toEqual([true, "flash", 254]);
    expect(five.lines.join("\n")).toMatch(/WARNING: fewer than 4000 records/);
    const nineteen = checkBoard(parseBoardInfo(answer("PENCAP", 19, [])), 34392);
    expect([nineteen.ok, nineteen.recordsKept]).toEqual([true, 3810]);
    expect(nineteen.lines.join("\n")).toMatch(/WARNING: fewer than 4000 records/);
    const twenty = checkBoard(parseBoardInfo(answer("PENCAP", 20, [])), 34392);
    expect([twenty.ok, twenty.recordsKept]).toEqual([true, 4064]);
    expect(twenty.lines.join("\n")).not.toMatch(/WARNING/);
    const many = checkBoard(parseBoardInfo(answer("PENCAP", 60, [])), 34392);
    expect(many.recordsKept).toBe(30 * 254);
    expect(many.lines.join("\n")).toContain("log: 34 flash pages (32 for the dose log, 2 for the state area)");
  });

  it("counts the old boot code as replaced and other files as kept", () => {
    const r = checkBoard(parseBoardInfo(answer("MDBT42Q", 0, [30000, 5000])), 34392);
    expect(r.storageFreeAfter).toBe(40960 - fileBytes(5000) - fileBytes(34392));
    const tooBig = checkBoard(parseBoardInfo(answer("PENCAP", 20, [1000, 10000])), 34392);
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
