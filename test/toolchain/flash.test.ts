// flash.sh, through --dry-run (no device): the config file is prepared, the upload stores the bundle as the boot code in Storage and
// sets the clock; missing bundle, missing port and a failed connection give clear errors and non-zero exits.
import { pretokenise } from "../../scripts/gate/pretokenise.mjs";
import { describe, expect, it } from "vitest";
import { INTERPRETER_HANG_MS } from "../espruino-bin.js";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import vm from "node:vm";
import { spawnSync } from "node:child_process";
import { runOnEspruino } from "../../scripts/espruino-run.mjs";
import { ROOT, ESPRUINO_BIN, explainSkip } from "./helpers";
import { PREPARE, FILE_SIZE } from "../../scripts/flash/cfgfile.mjs";
import { crc32 } from "../../sim/bytes.js";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "flash-test-"));
const bundle = path.join(tmp, "firmware.js");
// A bundle with quotes, backslashes, a newline in a string and more than one 1 KiB upload chunk.
const code = `(()=>{var s="q\\"uote\\\\ and \\n";console.log("FLASHED", s.length, "${"x".repeat(2500)}".length)})();\n`;
fs.writeFileSync(bundle, code);

function flash(...args: string[]) {
  const r = spawnSync(path.join(ROOT, "flash.sh"), args, { cwd: ROOT, encoding: "utf8", timeout: INTERPRETER_HANG_MS });
  return { status: r.status, out: r.stdout + r.stderr };
}

/** Executes the upload text against a recording fake of the device's Storage. */
function replay(upload: string) {
  const files: Record<string, string> = {};
  const calls: string[] = [];
  const storage = {
    readArrayBuffer: (name: string) => (name in files ? new Uint8Array(Buffer.from(files[name], "latin1")).buffer : undefined),
    read: (name: string) => files[name],
    erase: (name: string) => delete files[name],
    write(name: string, d: string | Uint8Array, offset?: number, size?: number) {
      const data = typeof d === "string" ? d : Buffer.from(d).toString("latin1");
      calls.push(`write ${name} ${offset ?? 0} ${size ?? ""}`);
      if (!offset) files[name] = "\xff".repeat(size ?? data.length);
      const cur = files[name];
      files[name] = cur.slice(0, offset ?? 0) + data + cur.slice((offset ?? 0) + data.length);
      return true;
    },
  };
  let time: number | undefined;
  const printed: string[] = [];
  vm.runInNewContext(upload, {
    E: { setTimeZone: () => {}, CRC32: (d: Uint8Array) => crc32(new Uint8Array(d.buffer, d.byteOffset, d.length)) },
    print: (...a: unknown[]) => printed.push(a.join(" ")),
    Uint8Array,
    DataView,
    require: (m: string) => { if (m !== "Storage") throw new Error(m); return storage; },
    setTime: (t: number) => { time = t; },
    load: (f?: string) => calls.push(`load ${f ?? ""}`),
    atob: (b: string) => Buffer.from(b, "base64").toString("latin1"),
  });
  return { files, calls, time, printed };
}

describe("flash.sh", () => {
  explainSkip();
  const out = path.join(tmp, "upload.js");

  it("--dry-run writes the upload: clock set, bundle stored as .bootcde in Storage, then started", () => {
    const before = Date.now() / 1000;
    const r = flash("--bundle", bundle, "--dry-run", out);
    expect(r.out).toContain("dry run");
    expect(r.status).toBe(0);
    const upload = fs.readFileSync(out, "latin1");
    // first the config file's preparation (scripts/flash/cfgfile.mjs, sent on its own before the upload)
    expect(upload.slice(0, PREPARE.length + 1)).toBe(PREPARE + "\n");
    expect(upload.slice(PREPARE.length + 1)).toMatch(/^require\("Storage"\)\.write\("pencap\.key",atob\("[A-Za-z0-9+/=]+"\),0,6\)\nsetTime\(\d+(\.\d+)?\);/);
    expect(upload).toContain('require("Storage").write(".bootcde",');
    const { files, calls, time, printed } = replay(upload);
    // pretokenised by the CLI (PRETOKENISE=1): byte for byte the plugin's output, keywords and operators as tokens
    // (a dry run's board JSON gets the keyword-only form; a 2v29 device also tokenises strings and integers)
    const tok = files[".bootcde"];
    expect([pretokenise(code, "2v29"), pretokenise(code, "2v19")]).toContain(tok);
    expect(tok.length).toBeLessThan(code.length);
    expect(printed).toEqual(["PENCAP_CFGFILE created 0"]);
    expect(files["pencap.cfg"]).toBe("PCFG\x01\x20\x10\x00" + "\xff".repeat(FILE_SIZE - 8)); // head, 16 erased slots
    // the cap's passkey first (docs/protocol.md 6), printed for the label
    expect(files["pencap.key"]).toMatch(/^[0-9]{6}$/);
    expect(r.out).toContain("passkey for the cap's label: " + files["pencap.key"]);
    expect(calls[0]).toBe(`write pencap.cfg 0 ${FILE_SIZE}`);
    expect(calls[1]).toBe("write pencap.key 0 6");
    expect(calls[2]).toBe(`write .bootcde 0 ${tok.length}`);
    expect(calls.filter((c) => c.startsWith("write")).length).toBe(2 + Math.ceil(tok.length / 1024));
    expect(calls[calls.length - 1]).toBe("load .bootcde");
    expect(time!).toBeGreaterThanOrEqual(Math.floor(before) - 1);
    expect(time!).toBeLessThanOrEqual(Date.now() / 1000 + 1);
  });

  it.skipIf(!ESPRUINO_BIN)("the dry-run upload, replayed on the real interpreter, stores and runs the bundle", async () => {
    flash("--bundle", bundle, "--dry-run", out);
    const run = await runOnEspruino(out, { timeoutMs: 10_000 });
    expect(run.errors).toEqual([]);
    expect(run.lines.join("\n")).toContain("FLASHED 13 2500");
  });

  it("--passkey keeps a cap's labelled passkey; anything but 6 digits is refused", () => {
    const r = flash("--bundle", bundle, "--dry-run", out, "--passkey", "012345");
    expect(r.status).toBe(0);
    expect(replay(fs.readFileSync(out, "latin1")).files["pencap.key"]).toBe("012345");
    expect(flash("--bundle", bundle, "--dry-run", out, "--passkey", "12345").status).toBe(2);
  });

  it("refuses when no bundle was built, and says how to build it", () => {
    const r = flash("--bundle", path.join(tmp, "missing.js"), "--port", "/dev/ttyACM0");
    expect(r.status).toBe(3);
    expect(r.out).toContain("npm run build");
  });

  it("refuses without a port or device name", () => {
    const r = flash("--bundle", bundle);
    expect(r.status).toBe(2);
    expect(r.out).toContain("--port");
    expect(r.out).toContain("--device");
  });

  it("reports a connection that failed (the CLI itself exits 0 then)", () => {
    const r = flash("--bundle", bundle, "--port", "/dev/ttyPENCAP-NOT-THERE");
    expect(r.status).toBe(4);
    expect(r.out).toMatch(/connection (or upload )?failed/); // the free-flash probe is the first contact
  });

  it("rejects unknown options", () => {
    const r = flash("--frobnicate");
    expect(r.status).toBe(2);
  });
});
