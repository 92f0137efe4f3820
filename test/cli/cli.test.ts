// The pencap CLI (cli/main.ts), in-process with an injected environment: sim → vault, list, export, upload to
// the Nightscout stand-in, report to PDF/HTML, pull over an injected navigator.bluetooth, and the errors a user
// meets (wrong passphrase, no Bluetooth package, no adapter, no cap, no secret, usage). No hardware.
import { execFile, execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { run, type Io } from "../../cli/main";
import { FakeNightscout } from "../nightscout/server";
import { FakeCap, FakeCentral } from "../client/fake-central";
import { mockBluetooth } from "../client/mock-bluetooth";
import { exampleLog } from "../ble/fixture";
import { fromExportJSON } from "../../client/export";

const dir = mkdtempSync(join(tmpdir(), "pencap-cli-"));
const home = join(dir, "home");
const PASS = "cli test passphrase";

async function pencap(argv: string[], env: Record<string, string> = {}, extra: Partial<Io> = {}) {
  let stdout = "";
  let stderr = "";
  const code = await run(argv, {
    env: { PENCAP_HOME: home, PENCAP_PASSPHRASE: PASS, ...env },
    stdout: (s) => (stdout += s),
    stderr: (s) => (stderr += s),
    now: () => new Date("2026-03-20T00:00:00Z"),
    ...extra,
  });
  return { code, stdout, stderr };
}

beforeAll(async () => {
  const r = await pencap(["sim", "--out", join(dir, "demo.json")]);
  expect(r.stderr).toContain("wrote the export to");
  expect(r.code).toBe(0);
});

describe("sim, list, export", () => {
  it("sim synced the simulated cap into the encrypted vault; list shows it", async () => {
    const vault = readFileSync(join(home, "pencap.vault"), "utf8");
    expect(vault).toContain('"format":"pencap-vault"');
    const r = await pencap(["list"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^\S+\t\d+ records\n$/);
    // a second sim run adds nothing: same records
    const again = await pencap(["sim"]);
    expect(again.stderr).toMatch(/: 0 new record\(s\)/);
  });

  it("export json/csv/nightscout, from the vault and from the export file, agree", async () => {
    const json = await pencap(["export", "--format", "json"]);
    expect(json.code).toBe(0);
    const fromVault = fromExportJSON(json.stdout);
    const fromFile = fromExportJSON(readFileSync(join(dir, "demo.json"), "utf8"));
    expect(fromVault.store.sorted()).toEqual(fromFile.store.sorted());
    expect(fromVault.doc.rows.filter((r) => r.role === "dose").length).toBe(57);
    const csv = await pencap(["export", "--format", "csv", "--in", join(dir, "demo.json"), "--out", join(dir, "demo.csv")]);
    expect(csv.stderr).toContain("wrote CSV");
    expect(readFileSync(join(dir, "demo.csv"), "utf8")).toContain(",TEMP_EXCURSION,event,");
    const ns = await pencap(["export", "--format", "nightscout", "--unset-insulin", "rapid", "--tz", "Europe/Berlin"]);
    const t = JSON.parse(ns.stdout);
    expect(t.length).toBe(57);
    expect(t.every((x: { eventType: string }) => x.eventType === "Correction Bolus")).toBe(true);
    expect(t[0].utcOffset).toBe(60);
  });

  it("a wrong passphrase is an error that changes nothing", async () => {
    const before = readFileSync(join(home, "pencap.vault"));
    const r = await pencap(["export"], { PENCAP_PASSPHRASE: "not it" });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("pencap: WRONG_PASSPHRASE: wrong passphrase");
    expect(readFileSync(join(home, "pencap.vault"))).toEqual(before);
    const none = await run(["export"], { env: { PENCAP_HOME: home }, stdout: () => {}, stderr: (s) => expect(s).toContain("NO_PASSPHRASE") });
    expect(none).toBe(1);
  });

  it("usage errors exit 2 with a hint", async () => {
    for (const argv of [["frobnicate"], ["export", "--format", "xml"], ["report", "--days"], ["export", "--bogus", "1"], ["report", "--schedule", "10pm"]]) {
      const r = await pencap(argv);
      expect(r.code, argv.join(" ")).toBe(2);
      expect(r.stderr).toContain('run "pencap help"');
    }
    expect((await pencap(["help"])).stdout).toContain("usage: pencap <command>");
    expect((await pencap(["export", "--in", join(dir, "nope.json")])).stderr).toContain("NO_INPUT");
  });
});

describe("upload", () => {
  let ns: FakeNightscout;
  beforeAll(async () => {
    ns = new FakeNightscout({ apiSecret: "s3cret-s3cret", tokens: { "tok-123456": ["*"] } });
    await ns.start();
  });
  afterAll(() => ns.stop());

  it("v1 then v3, three times each: 57 documents, 0 duplicates", async () => {
    for (const [api, env] of [["1", { NIGHTSCOUT_API_SECRET: "s3cret-s3cret" }], ["3", { NIGHTSCOUT_TOKEN: "tok-123456" }]] as const) {
      for (let i = 0; i < 3; i++) {
        const r = await pencap(["upload", "--url", ns.url, "--api", api, "--unset-insulin", "rapid"], env);
        expect(r.code, r.stderr).toBe(0);
        expect(r.stdout).toContain(i === 0 && api === "1" ? "57 created" : "0 created");
        expect(r.stderr).toContain("9 priming shot(s) left out");
      }
    }
    expect(ns.treatments.length).toBe(57);
    expect(ns.duplicates()).toEqual([]);
  });

  it("missing secret, bad secret, dry run", async () => {
    expect((await pencap(["upload", "--url", ns.url, "--api", "1"])).stderr).toContain("NO_SECRET");
    const bad = await pencap(["upload", "--url", ns.url, "--api", "1"], { NIGHTSCOUT_API_SECRET: "wrong" });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("NS_AUTH");
    const dry = await pencap(["upload", "--url", "http://127.0.0.1:9", "--dry-run"], { NIGHTSCOUT_API_SECRET: "x" });
    expect(dry.code).toBe(0);
    expect(JSON.parse(dry.stdout).length).toBe(57);
  });
});

describe("report", () => {
  it("HTML: the 57 doses, no prime counted, the double dose flagged, the excursion", async () => {
    const out = join(dir, "r.html");
    const r = await pencap(["report", "--in", join(dir, "demo.json"), "--tz", "UTC", "--schedule", "22:00±120", "--out", out]);
    expect(r.code, r.stderr).toBe(0);
    // the scenario's two weeks (2026-03-02 00:00Z to 03-16 00:00Z, the export's time) are the 14 days reported
    expect(r.stdout).toMatch(/^57 doses in 14 days \(2026-03-02 – 2026-03-15, UTC\); 1 pair\(s\) within 2 h; 9 prime\(s\) not counted/);
    const html = readFileSync(out, "utf8");
    expect(html).toContain("All doses (57)");
    expect(html).toMatch(/Double-dose warnings the cap gave \([1-9]\d*\)/);
    expect(html).toContain("priming shots (not counted)</th><td>9</td>");
    expect(html).toMatch(/WARNING<\/span> \d+ min/);
    expect(html).toContain("too hot");
  });

  it("PDF through headless Chromium (or a clear error and the HTML when there is none)", async () => {
    const out = join(dir, "r.pdf");
    const noChromium = await pencap(["report", "--in", join(dir, "demo.json"), "--out", out], { CHROMIUM_PATH: "/nonexistent/chromium" });
    expect(noChromium.code).toBe(1);
    expect(noChromium.stderr).toContain("NO_PDF");
    expect(existsSync(join(dir, "r.html"))).toBe(true);
    if (!existsSync("/usr/bin/chromium")) return; // installed by .ci/run; the error path above is what a user without it sees
    const r = await pencap(["report", "--in", join(dir, "demo.json"), "--tz", "UTC", "--out", out]);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(out).subarray(0, 5).toString()).toBe("%PDF-");
    try {
      const text = execFileSync("pdftotext", ["-layout", out, "-"], { encoding: "utf8" });
      expect(text).toContain("All doses (57)");
      expect(text).toMatch(/Double-dose warnings the cap gave \([1-9]/);
      expect(text).toContain("WARNING");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
    }
  }, 120_000);
});

describe("pull", () => {
  it("without the webbluetooth package: a clear error naming it", async () => {
    const r = await pencap(["pull"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('NO_BLUETOOTH_PACKAGE: pull needs the optional "webbluetooth" package');
  });

  it("over navigator.bluetooth (here a mock over the fake cap): syncs into the vault; the clock jump needs the cap in hand; then nothing new", async () => {
    const cap = new FakeCap("PC-0001", exampleLog());
    const central = new FakeCentral(cap);
    const bt = async () => mockBluetooth(central, []);
    const pull = () => pencap(["pull", "--vault", join(dir, "pullvault")], {}, { bluetooth: bt });
    // The cap's clock (2025-11-24, set) is months behind the computer's (2026-03-20): outside the pairing window
    // the cap refuses a jump over 15 min (result 0x07, docs/protocol.md §3.3). The records still sync, and the
    // CLI says what to do.
    const r = await pull();
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toContain("set the cap's clock");
    expect(r.stderr).toContain("warning: the cap refused the clock change: its clock is 115 days behind this computer's");
    expect(r.stderr).toContain('do the 5-click gesture (take it off and put it back on 5 times within 6 s), then run "pencap pull" again');
    expect(r.stderr).toContain("cap PC-0001: 5 new record(s), 5 held");
    // With the cap in hand (the gesture opened the pairing window) the same pull sets the clock; the cap logs
    // the change as a TIME_SET, the one new record.
    cap.pairingOpen = true;
    const set = await pull();
    expect(set.code, set.stderr).toBe(0);
    expect(set.stderr).toContain("set the cap's clock to 2026-03-20T00:00:00.000Z (it was ");
    expect(set.stderr).not.toContain("refused");
    expect(set.stderr).toContain("cap PC-0001: 1 new record(s), 6 held");
    cap.pairingOpen = false;
    const again = await pull();
    expect(again.stderr).not.toContain("set the cap's clock");
    expect(again.stderr).not.toContain("refused");
    expect(again.stderr).toContain("0 new record(s), 6 held");
  });

  it("no adapter, no cap", async () => {
    const noAdapter = { getAvailability: async () => false, requestDevice: async () => { throw new Error("unreachable"); } } as unknown as Bluetooth;
    expect((await pencap(["pull"], {}, { bluetooth: async () => noAdapter })).stderr).toContain("NO_ADAPTER");
    const noCap = { getAvailability: async () => true, requestDevice: async () => { throw new DOMException("no devices found", "NotFoundError"); } } as unknown as Bluetooth;
    const r = await pencap(["pull"], {}, { bluetooth: async () => noCap });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("NO_CAP: no pen cap found");
  });
});

describe("npx pencap", () => {
  it("runs from the repository (package.json bin)", async () => {
    const r = await promisify(execFile)("npx", ["--no-install", "pencap", "help"], { encoding: "utf8" });
    expect(r.stdout).toContain("usage: pencap <command>");
  });
});
