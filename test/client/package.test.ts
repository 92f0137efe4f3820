// client/ outside this repo: the esbuild output loads in plain Node (no tsx), through the package's "exports",
// and the README's example runs on a simulator export.
import { execFile } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { defaultScenarioStore } from "./default-store";
import { toJSON } from "../../client/export";

const run = promisify(execFile);

describe("the client as a package", () => {
  it("plain Node imports pencap-firmware/client and /client/node from an installed copy; the example prints the summary", async () => {
    const dir = mkdtempSync(join(tmpdir(), "pencap-pkg-"));
    const pkg = join(dir, "node_modules", "pencap-firmware");
    mkdirSync(pkg, { recursive: true });
    await run(process.execPath, ["scripts/build-client.mjs", "--quiet", "--outdir", join(pkg, "dist", "client")]);
    cpSync("package.json", join(pkg, "package.json"));
    cpSync("client/examples/summary.mjs", join(dir, "summary.mjs"));
    const { store } = await defaultScenarioStore();
    writeFileSync(join(dir, "demo.json"), toJSON(store, { source: "sim", now: new Date("2026-03-16T00:00:00Z") }));
    const ex = await run(process.execPath, ["summary.mjs", "demo.json", "UTC"], { cwd: dir });
    expect(ex.stdout).toMatch(/^cap \S+: 5\d doses from 2026-03-03 to 2026-03-16 \(UTC\)/);
    expect(ex.stdout).toContain("9 priming shot(s) not counted");
    writeFileSync(
      join(dir, "vault.mjs"),
      `import { Vault, FileBackend, RecordStore } from "pencap-firmware/client/node";
       const v = await Vault.open(new FileBackend("v"), "pencap", "pw", { iterations: 100000 });
       await v.save(new RecordStore("PC-X"));
       console.log((await Vault.open(new FileBackend("v"), "pencap", "pw")).serials().join());`,
    );
    expect((await run(process.execPath, ["vault.mjs"], { cwd: dir })).stdout.trim()).toBe("PC-X");
  }, 120_000);
});
