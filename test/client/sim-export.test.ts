// `npm run sim -- --export FILE`: the simulated app's store as a pencap-export document that loads back.
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { firmwareBundle } from "../e2e/harness.js";
import { fromExportJSON, rows } from "../../client/export";

const run = promisify(execFile);

describe("sim --export", () => {
  it("writes the default scenario's synced log: every record, 57 doses, 9 primes, loadable back", async () => {
    const dir = mkdtempSync(join(tmpdir(), "pencap-sim-"));
    const bundle = join(dir, "firmware.js");
    writeFileSync(bundle, await firmwareBundle());
    const out = join(dir, "demo.json");
    const r = await run(process.execPath, ["--import", "tsx", "sim/cli.ts", "--quiet", "--bundle", bundle, "--export", out], { maxBuffer: 1 << 24 });
    expect(r.stderr).toMatch(/exported \d+ records of cap .+ to /);
    const text = readFileSync(out, "utf8");
    const { store, doc } = fromExportJSON(text);
    expect(doc).toMatchObject({ format: "pencap-export", version: 1, source: "sim" });
    expect(doc.meta).toMatchObject({ scenario: expect.any(String), start: "2026-03-02T00:00:00.000Z" });
    expect(store.records.size).toBe(doc.records.length);
    expect(store.records.size).toBeGreaterThan(60);
    const rs = rows(store);
    expect(rs.filter((x) => x.role === "dose").length).toBe(57);
    expect(rs.filter((x) => x.role === "prime").length).toBe(9);
    // the derived rows in the file are what the loaded store derives again
    expect(doc.rows).toEqual(JSON.parse(JSON.stringify(rs)));
    // deterministic: exportedAt is the scenario's end, not the host clock
    expect(doc.exportedAt).toBe(new Date(Date.parse("2026-03-02T00:00:00Z") + (doc.meta!.summary as { simulatedDays: number }).simulatedDays * 86400000).toISOString());
  });

  it("a bad --export use is a usage error (exit 2)", async () => {
    const e = await run(process.execPath, ["--import", "tsx", "sim/cli.ts", "--export"]).catch((x) => x);
    expect(e.code).toBe(2);
    expect(e.stderr).toContain("--export OUT.json");
  });
});
