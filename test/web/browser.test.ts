// The web app in a real browser: Debian's chromium driven by playwright-core, the page served by web/serve.mjs
// on 127.0.0.1, Web Bluetooth bridged to the firmware bundle running in the simulator (web/tools/ble-bridge.ts).
// The cap runs the default scenario (two weeks, 57 true doses) first; the browser then pairs as a new phone,
// syncs, charts, prints the clinician report to PDF and reads it back with pdftotext.
// Skipped with a note when /usr/bin/chromium is absent (CI installs it: .ci/run).
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BrowserContext, Page } from "playwright-core";
import { buildWeb } from "../../web/build.mjs";
import { serve } from "../../web/serve.mjs";
import { CAP_PASSKEY, pairingGesture, simulatedCap, type SimulatedCap } from "../../web/tools/sim-cap.js";
import { installBleBridge, type Bridge } from "../../web/tools/ble-bridge.js";
import { analyse } from "../../web/src/model.js";
import { toCSV, toJSON } from "../../client/export.js";

const CHROMIUM = process.env.CHROMIUM_BIN ?? "/usr/bin/chromium";
const haveChromium = existsSync(CHROMIUM);
const havePdftotext = (() => {
  try {
    execFileSync("pdftotext", ["-v"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();
if (!haveChromium) console.warn(`test/web: ${CHROMIUM} not found — browser tests skipped (CI installs Debian's chromium in .ci/run)`);

/** The scenario stops at 23:30 on its last day, so "today" in the pictures is a full day of doses. */
const DURATION_S = 14 * 86400 - 1800;

describe.skipIf(!haveChromium)("web app in chromium, synced from the simulated cap", () => {
  let cap: SimulatedCap;
  let ctx: BrowserContext;
  let page: Page;
  let bridge: Bridge;
  let server: { url: string; close(): Promise<void> };
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "pencap-web-"));
    await buildWeb(join(dir, "site"));
    cap = await simulatedCap({ duration: DURATION_S });
    server = await serve(join(dir, "site"));
    const { chromium } = await import("playwright-core");
    ctx = await chromium.launchPersistentContext(join(dir, "profile"), {
      executablePath: CHROMIUM,
      headless: true,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
      timezoneId: "UTC",
      locale: "en-GB",
      viewport: { width: 1200, height: 900 },
    });
    page = ctx.pages()[0] ?? (await ctx.newPage());
    // The phone's clock is the cap's world clock: the end of the scenario.
    await page.clock.setFixedTime(new Date(cap.now() * 1000));
    // The OS pairing dialog: the user types the passkey printed on the cap's label.
    bridge = await installBleBridge(page, cap, { passkey: () => CAP_PASSKEY });
    await page.goto(server.url);
  }, 60_000);

  afterAll(async () => {
    bridge?.stop();
    await ctx?.close();
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("the scenario gave what the report must show: 57 true doses, all in the log (55 doses + 2 uncertain), and the cap's double-dose alarm and cues", () => {
    // The simulator matches true doses to records by time: two are in the log as UNCERTAIN_DOSE (counted as doses,
    // flagged for the reader); none missed, none invented.
    expect(cap.summary.doses).toMatchObject({ true: 57, recorded: 55, uncertain: 2, missed: 0, extra: 0 });
    expect(cap.doubleDoseWarnings).toBeGreaterThan(0);
    expect(cap.doubleDoseCues).toBeGreaterThan(cap.doubleDoseWarnings);
  });

  it("pairs (5-click gesture, then the OS pairing on the first refused write), syncs and charts the two weeks", async () => {
    pairingGesture(cap.device);
    await page.click("#connect");
    await page.waitForFunction(() => /Synced|Bluetooth:/.test(document.getElementById("status")!.textContent ?? ""), null, { timeout: 30_000 });
    expect(await page.textContent("#status")).toMatch(/^Synced .*: \d+ new record\(s\)\.$/);
    expect(bridge.log).toContain("pair");
    expect(bridge.log).toContain("passkey prompt");
    expect(bridge.central()!.isBonded()).toBe(true);
    // Everything the cap holds reached the page: the same records the scenario's own phone synced, plus the
    // five cap checks of the gesture.
    const phoneHeld = cap.app.records()!.records.size;
    expect(await page.textContent("#status")).toContain(`${phoneHeld + 5} new record(s)`);
    // The patient view: last dose (the basal of the last evening), today's doses, the 14-day timeline.
    const an = analyse({ serial: "x", records: cap.app.records()!.sorted(), source: "" });
    const last = an.doses[an.doses.length - 1];
    const hhmm = new Date(last.wall! * 1000).toISOString().slice(11, 16);
    expect(await page.textContent("[data-testid=last-dose]")).toBe(hhmm);
    expect(await page.textContent("[data-testid=since]")).toMatch(/^1 h \d+ min ago$/);
    expect(await page.textContent("[data-testid=today-count]")).toMatch(/^4 doses · basal taken ✓/);
    // One timeline row per day, a filled circle per counted dose in the 14 days, hollow circles for primes.
    expect(await page.locator("svg.timeline text.day").count()).toBe(14);
    expect(await page.locator("svg.timeline circle.m-dose").count()).toBe(an.doses.filter((d) => d.kind === "dose").length);
    expect(await page.locator("svg.timeline path.m-uncertain").count()).toBe(an.doses.filter((d) => d.kind === "uncertain").length);
    expect(await page.locator("svg.timeline circle.m-prime").count()).toBe(an.sessions.filter((s) => s.kind === "prime").length);
    expect(await page.locator("svg.timeline .m-warning").count()).toBe(cap.doubleDoseWarnings);
    // The cap's double-dose warnings (its alarms) of the two weeks, and the pairing gesture shown as such (its
    // clicks are not doses; the quiet cue the cap showed at them is not listed either).
    expect(await page.locator("[data-testid=flags] li").count()).toBe(cap.doubleDoseWarnings + 1);
    expect(await page.textContent("[data-testid=flags]")).toContain("Pairing gesture");
    expect(await page.textContent("[data-testid=battery]")).toMatch(/^\d+ %$/);

    // The README's picture: the first screen of a patient's view, tall enough for the whole 14-day timeline.
    await page.setViewportSize({ width: 1200, height: 1180 });
    const png = await page.screenshot({ fullPage: false });
    await page.setViewportSize({ width: 1200, height: 900 });
    const out = process.env.PENCAP_SCREENSHOT_DIR;
    if (out) writeFileSync(join(out, "patient-view.png"), png);
    // The picture shows the dose marks: count the dose colour's pixels in the browser's own PNG decoder.
    const blue = await page.evaluate(async (b64) => {
      const img = new Image();
      img.src = "data:image/png;base64," + b64;
      await img.decode();
      const c = document.createElement("canvas");
      c.width = img.width;
      c.height = img.height;
      const g = c.getContext("2d")!;
      g.drawImage(img, 0, 0);
      const d = g.getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 0; i < d.length; i += 4) if (Math.abs(d[i] - 0x1d) < 8 && Math.abs(d[i + 1] - 0x4e) < 8 && Math.abs(d[i + 2] - 0xd8) < 8) n++;
      return n;
    }, png.toString("base64"));
    expect(blue).toBeGreaterThan(1000);
  });

  it("prints the clinician report: 57 doses, the cap's double-dose warnings (its alarms), no prime counted", async () => {
    await page.click("#tab-clinician");
    const an = analyse({ serial: "x", records: cap.app.records()!.sorted(), source: "" });
    const uncertain = an.doses.filter((d) => d.kind === "uncertain").length;
    expect(await page.textContent("[data-testid=dose-total]")).toBe(`57 doses (${uncertain} uncertain)`);
    const pdf = await page.pdf({ format: "A4", printBackground: true });
    expect(pdf.subarray(0, 5).toString()).toBe("%PDF-");
    if (!havePdftotext) {
      console.warn("test/web: pdftotext (poppler-utils) not found — PDF text not checked");
      return;
    }
    const file = join(dir, "clinician-report.pdf");
    writeFileSync(file, pdf);
    const text = execFileSync("pdftotext", ["-layout", file, "-"], { encoding: "utf8" });
    expect(text).toContain("Insulin pen cap report");
    expect(text).toMatch(new RegExp(`Doses\\s+57 doses \\(${uncertain} uncertain\\)`));
    // The double-dose warnings the cap gave are its alarms (red + buzzer); the quiet cues at looks are counted
    // beside them: every cue pattern the cap played except the one just before each alarm at the same removal.
    const w = cap.doubleDoseWarnings;
    expect(text).toMatch(new RegExp(`Double-dose warnings\\s+${w} double-dose warnings? given by the cap \\(alarm\\); ${cap.doubleDoseCues - w} quiet cues at a look`));
    expect([...text.matchAll(/after the previous dose; the session was a/g)].length).toBe(w);
    // The dose list numbers counted doses 1..57; priming shots are listed without a number.
    const numbered = [...text.matchAll(/^\s*(\d+)\s+\w{3} \d{1,2} \w{3} \d\d:\d\d/gm)].map((m) => Number(m[1]));
    expect(numbered).toEqual(Array.from({ length: 57 }, (_, i) => i + 1));
    const primeRows = [...text.matchAll(/^\s+\w{3} \d{1,2} \w{3} \d\d:\d\d.*priming shot \(not counted\)/gm)].length;
    expect(primeRows).toBe(an.sessions.filter((s) => s.kind === "prime").length);
    expect(primeRows).toBeGreaterThan(0);
    // The print hides the app's controls.
    expect(text).not.toContain("Connect cap");
  });

  it("syncs incrementally: a new dose on the cap arrives alone", async () => {
    await page.click("#tab-patient");
    cap.device.setCap(false);
    cap.device.clock.advance(20);
    cap.device.setCap(true);
    cap.device.clock.advance(2);
    await page.evaluate(() => (document.getElementById("status")!.textContent = ""));
    await page.click("#sync");
    await page.waitForFunction(() => /Synced|Bluetooth:/.test(document.getElementById("status")!.textContent ?? ""), null, { timeout: 30_000 });
    expect(await page.textContent("#status")).toMatch(/: 1 new record\(s\)\.$/);
    expect(await page.textContent("[data-testid=today-count]")).toMatch(/^5 doses/);
  });

  it("opens the demo (the sim's --export document) and a CSV export; readable at 200 % zoom (no page-wide horizontal scroll, shapes labelled)", async () => {
    // What `npm run sim -- --export dist/web/demo.json` writes (sim/cli.ts: toJSON of the scenario app's store).
    writeFileSync(join(dir, "site", "demo.json"), toJSON(cap.app.records()!, { source: "sim" }));
    await page.click("#demo");
    await page.waitForFunction(() => /^Demo loaded/.test(document.getElementById("status")!.textContent ?? ""));
    await page.click("#tab-clinician");
    expect(await page.textContent("[data-testid=dose-total]")).toMatch(/^57 doses \(\d+ uncertain\)$/);
    expect(await page.locator("[data-testid=warning]").count()).toBe(cap.doubleDoseWarnings);
    const file = join(dir, "log.csv");
    writeFileSync(file, toCSV(cap.app.records()!));
    await page.setInputFiles("#file", file);
    await page.waitForFunction(() => /^Opened log.csv/.test(document.getElementById("status")!.textContent ?? ""));
    await page.click("#tab-clinician");
    expect(await page.textContent("[data-testid=dose-total]")).toMatch(/^57 doses \(\d+ uncertain\)$/);
    await page.click("#tab-patient");
    await page.setViewportSize({ width: 600, height: 900 });
    const wide = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(wide).toBeLessThanOrEqual(0);
    const legend = (await page.locator("ul.legend li").allTextContents()).join("|");
    for (const label of ["dose", "uncertain dose", "priming shot (not counted)", "cap check", "double-dose warning by the cap"]) expect(legend).toContain(label);
    await page.setViewportSize({ width: 1200, height: 900 });
  });

  it("keeps the synced log encrypted on this device: a passphrase unlocks it after a reload, a wrong one is refused", async () => {
    const serial = cap.app.records()!.serial;
    expect(await page.locator("#vault-state").textContent()).toContain("only once you unlock");
    // Unlocking after a sync creates the vault and saves what this page synced (the two weeks + 1 new dose).
    await page.fill("#vault-pass", "correct horse battery staple");
    await page.click("#vault-open");
    await page.waitForFunction(() => /^Unlocked|passphrase/.test(document.getElementById("status")!.textContent ?? ""), null, { timeout: 30_000 });
    expect(await page.textContent("#status")).toMatch(/^Unlocked\. \S+: \d+ records\. Saved encrypted on this device\.$/);
    // What IndexedDB holds is the vault's envelope: parameters in the clear, records only as ciphertext.
    const stored = await page.evaluate(
      () =>
        new Promise<string>((resolve, reject) => {
          const req = indexedDB.open("pencap");
          req.onerror = () => reject(req.error);
          req.onsuccess = () => {
            const get = req.result.transaction("vault").objectStore("vault").get("pencap");
            get.onsuccess = () => {
              const v = get.result as ArrayBuffer | Uint8Array;
              resolve(new TextDecoder().decode(v instanceof ArrayBuffer ? new Uint8Array(v) : v));
            };
            get.onerror = () => reject(get.error);
          };
        }),
    );
    expect(stored).toContain('"format":"pencap-vault"');
    expect(stored).toContain('"iterations":600000');
    expect(stored).not.toContain('"seq"');
    expect(stored).not.toContain(serial);
    // A new visit: nothing shown until the passphrase; a wrong one changes nothing.
    await page.reload();
    expect(await page.getAttribute("body", "data-loaded")).toBe("no");
    await page.fill("#vault-pass", "wrong");
    await page.click("#vault-open");
    await page.waitForFunction(() => /passphrase/.test(document.getElementById("status")!.textContent ?? ""), null, { timeout: 30_000 });
    expect(await page.textContent("#status")).toBe("Wrong passphrase: the saved log stays locked.");
    expect(await page.getAttribute("body", "data-loaded")).toBe("no");
    await page.fill("#vault-pass", "correct horse battery staple");
    await page.click("#vault-open");
    await page.waitForFunction(() => /^Unlocked/.test(document.getElementById("status")!.textContent ?? ""), null, { timeout: 30_000 });
    expect(await page.textContent("#status")).toMatch(/^Unlocked: \d+ records of cap \S+ saved on this device\.$/);
    expect(await page.textContent("[data-testid=today-count]")).toMatch(/^5 doses/);
    await page.click("#tab-clinician");
    expect(await page.textContent("[data-testid=dose-total]")).toMatch(/^58 doses \(\d+ uncertain\)$/);
    // The next sync goes on from the saved log (incremental) and saves again. A new visit has to choose the cap
    // again, and outside the pairing window the cap advertises nothing a chooser could filter on (privacy): the
    // user makes the 5-click gesture, whose 5 cap checks are the only new records.
    await page.click("#tab-patient");
    pairingGesture(cap.device);
    await page.click("#connect");
    await page.waitForFunction(() => /Synced|Bluetooth:/.test(document.getElementById("status")!.textContent ?? ""), null, { timeout: 30_000 });
    expect(await page.textContent("#status")).toMatch(/: 5 new record\(s\)(, \d+ already held)?\. Saved encrypted on this device\.$/);
  }, 60_000);
});
