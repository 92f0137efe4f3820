// Where the simulator was kinder than the cap (issue 14, "Simulator fidelity"): each case runs the real bundle
// through the integration (radio, app, energy), as `npm run sim` does.
import { beforeAll, describe, expect, it } from "vitest";
import { firmwareBundle, runWithIntegration } from "../scenarios-from-docs/bundle.js";

let bundle = "";
beforeAll(async () => {
  bundle = await firmwareBundle();
});

const base = { seed: 5, board: "PENCAP", start: "2026-03-02T00:00:00Z", capOn: true };
const texts = (tl: Array<{ kind: string; text: string }>, kind: string) => tl.filter((e) => e.kind === kind).map((e) => e.text);

describe("a power cut inside a BLE write handler", () => {
  it("powers the cap off at that write, and restoreAfter brings it back", async () => {
    // The app's first connection sets the cap's clock: the firmware's time-write handler appends a TIME_SET
    // record, the first flash write after the cut is armed. The handler runs from the radio's event queue.
    const sc = {
      ...base,
      name: "cut in the time-write handler",
      duration: "1h",
      events: [
        { t: 60, type: "powerCut", atWrite: 1, restoreAfter: 30 },
        { t: 61, type: "appConnect", mtu: 53, bonded: true },
        { t: 600, type: "appConnect", mtu: 53, bonded: true },
        { t: 602, type: "appSync" },
      ],
    };
    const { summary, timeline } = await runWithIntegration(sc, bundle, "cut-in-handler.json");
    const dev = texts(timeline, "device");
    expect(dev).toContain("armed power cut fired (word write #1)");
    expect(dev).toContain("power restored");
    expect(summary.boots.count).toBe(2);
    expect(summary.warnings).toEqual([]);
    // Alive again: the second connection syncs.
    expect(texts(timeline, "app").some((t) => /^sync: \d+ record/.test(t))).toBe(true);
  });
});

describe("the app's failures", () => {
  it("are printed as readable messages, never [object Object]", async () => {
    const sc = {
      ...base,
      name: "a sync with no connection",
      duration: "10m",
      events: [
        { t: 60, type: "appConnect", mtu: 53, bonded: true },
        { t: 70, type: "appConnect", mtu: 53, bonded: true, note: "already connected: the phone's stack refuses" },
        { t: 120, type: "appDrop" },
        { t: 121, type: "appWrite", characteristic: "config", hex: "00" },
      ],
    };
    const { timeline } = await runWithIntegration(sc, bundle, "app-failure.json");
    const failed = texts(timeline, "app").filter((t) => t.includes("failed"));
    expect(failed.length).toBeGreaterThan(0);
    expect(failed[0]).toMatch(/^appConnect failed: BUSY: already connected/);
    for (const f of failed) expect(f).not.toContain("[object Object]");
  });
});

describe("a manual power-off while a cut is armed", () => {
  it("does not cancel the armed cut: it stays armed and fires at its write after power returns", async () => {
    const sc = {
      ...base,
      name: "manual cut while one is armed",
      duration: "1d",
      events: [
        { t: 60, type: "powerCut", atWrite: 2, restoreAfter: 20 },
        { t: 120, type: "batteryRemove" },
        { t: 180, type: "batteryInsert" },
        { t: "08:00", type: "capOff", label: "injection" },
        { t: "08:00:30", type: "capOn" },
        { t: "12:00", type: "capOff", label: "injection" },
        { t: "12:00:30", type: "capOn" },
      ],
    };
    const { summary, timeline } = await runWithIntegration(sc, bundle, "manual-while-armed.json");
    const dev = texts(timeline, "device");
    // The manual cut is said, and is not taken for the armed one.
    expect(dev.filter((t) => t.startsWith("armed power cut fired"))).toEqual(["armed power cut fired (word write #2)"]);
    expect(dev).toContain("power off while a power cut is armed (word write #2): it stays armed");
    expect(summary.warnings.filter((w) => w.includes("never fired"))).toEqual([]);
    // Boots: power-on, battery back in, restore after the armed cut.
    expect(summary.boots.count).toBe(3);
  });
});

describe("appConnect to a cap without power", () => {
  it("fails at once with a clear error instead of waiting for power", async () => {
    const sc = {
      ...base,
      name: "connect to a dead cap",
      duration: "2h",
      events: [
        { t: 60, type: "batteryRemove" },
        { t: 120, type: "appConnect", mtu: 53, bonded: true },
        { t: 121, type: "log", text: "right after" },
        { t: "1h", type: "batteryInsert" },
      ],
    };
    const { timeline } = await runWithIntegration(sc, bundle, "dead-cap.json");
    const fail = timeline.find((e) => e.kind === "app" && e.text.startsWith("appConnect failed"));
    expect(fail?.text).toMatch(/CAP_UNPOWERED.*not powered/);
    expect(fail!.t).toBeLessThan(121);
    // The next event was not delayed.
    const log = timeline.find((e) => e.kind === "event" && e.text.includes("right after"));
    expect(log?.text).not.toContain("late by");
  });
});

describe("dose accounting", () => {
  it("a dose the app cannot date is 'undated' and does not stand in for a true dose", async () => {
    // The battery is swapped after the morning dose, before any sync: the cap's clock restarts unset, and the
    // afternoon dose is recorded with no wall time until the app connects (it connects only at the end, and a
    // second swap before that loses the chain).
    const sc = {
      ...base,
      name: "undated doses",
      duration: "1d",
      events: [
        { t: "08:00", type: "capOff", label: "injection" },
        { t: "08:00:30", type: "capOn" },
        { t: "09:00", type: "batteryRemove" },
        { t: "09:01", type: "batteryInsert" },
        { t: "13:00", type: "capOff", label: "injection" },
        { t: "13:00:30", type: "capOn" },
        { t: "14:00", type: "batteryRemove" },
        { t: "14:01", type: "batteryInsert" },
        { t: "20:00", type: "appConnect", mtu: 53, bonded: true },
        { t: "20:00:02", type: "appSync" },
      ],
    };
    const { summary } = await runWithIntegration(sc, bundle, "undated.json");
    const d = summary.doses;
    // Today both doses are undated ({recorded 2, undated 2, missed 2}); once the firmware makes every dose
    // datable (issue 14 item 8) they match by time and missed drops to 0. Either way the figures add up.
    expect(d.true).toBe(2);
    // Every dose the app holds is either matched by time or listed as undated; an undated one never cancels a miss.
    expect(d.recorded! + d.uncertain!).toBe(2);
    expect(d.missed).toBe(d.true - (d.recorded! + d.uncertain! - d.undated! - d.extra!));
    if (d.undated! > 0) expect(d.missed).toBeGreaterThan(0);
  });

  it("an uncertain dose is counted as uncertain, not as recorded", async () => {
    // A cap left off for three hours: the firmware cannot tell whether a dose was taken (UNCERTAIN_DOSE).
    const sc = {
      ...base,
      name: "cap left off for hours",
      duration: "1d",
      events: [
        { t: "08:00", type: "capOff", label: "leftOff" },
        { t: "11:00", type: "capOn" },
        { t: "20:00", type: "appConnect", mtu: 53, bonded: true },
        { t: "20:00:02", type: "appSync" },
      ],
    };
    const { summary } = await runWithIntegration(sc, bundle, "uncertain.json");
    expect(summary.doses).toMatchObject({ true: 0, recorded: 0, uncertain: 1, missed: 0, extra: 0, undated: 0 });
  });
});
