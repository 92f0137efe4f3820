import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { SimDevice } from "../../sim/device.js";
import { runScenario, type ScenarioApp, type TimelineEntry } from "../../sim/runner.js";
import { formatTime, parseTime, ScenarioValidationError, validateScenario } from "../../sim/scenario.js";

const capfw = readFileSync(new URL("../fixtures/sim/capfw.js", import.meta.url), "utf8");

/** A stand-in app: "syncs" by reading the fixture firmware's Storage files, in virtual time. */
function fakeApp(device: SimDevice, log: string[]): ScenarioApp {
  let synced = 0;
  const wait = (s: number) => new Promise<void>((r) => device.clock.schedule(device.clock.now() + s, r));
  const files = () => {
    const st = device.runtime!.storage;
    const n = Number(st.read("n") ?? 0);
    const out: Array<{ t: number; len: number }> = [];
    for (let i = 1; i <= n; i++) out.push(JSON.parse(st.read("dose" + i)!));
    return out;
  };
  return {
    async connect(o) {
      await wait(0.5);
      log.push(`connect ${o.mtu}`);
    },
    async sync(o) {
      await wait(2);
      const all = files();
      const take = o.dropAfterRecords ? Math.min(all.length, synced + o.dropAfterRecords) : all.length;
      const got = take - synced;
      synced = take;
      log.push(`sync ${got}`);
      return { records: got, note: o.dropAfterRecords ? "dropped" : undefined };
    },
    async write() {},
    async drop() {},
    async disconnect() {
      log.push("disconnect");
    },
    report() {
      const all = files().slice(0, synced);
      return { doses: all.map((d) => ({ t: d.t })), recordsWritten: files().length, recordsSynced: synced, recordsLost: 0, recordsCorrupt: 0 };
    },
  };
}

describe("scenario times and validation", () => {
  it("parses the time syntax", () => {
    expect(parseTime(90)).toBe(90);
    expect(parseTime("07:30")).toBe(27000);
    expect(parseTime("3d07:30:15.5")).toBe(3 * 86400 + 27015.5);
    expect(parseTime("2d")).toBe(172800);
    expect(parseTime("15m")).toBe(900);
    expect(parseTime("25:00")).toBeNull();
    expect(formatTime(3 * 86400 + 27015.5)).toBe("d03 07:30:15.500");
  });

  it("lists every problem with file, event index and what is wrong", () => {
    const bad = {
      name: "x",
      colour: "red",
      events: [
        { t: "07:30", type: "capOf" },
        { t: "07:00", type: "capOn", bounce: 3 },
        { t: "08:00", type: "temperature" },
        { t: "09:00", type: "powerCut", atWrite: 0 },
        { t: "x", type: "log", text: "hi" },
      ],
    };
    let err: ScenarioValidationError | null = null;
    try {
      validateScenario(bad, "bad.json");
    } catch (e) {
      err = e as ScenarioValidationError;
    }
    expect(err).toBeInstanceOf(ScenarioValidationError);
    expect(err!.message).toMatch(/^bad.json: invalid scenario/);
    expect(err!.problems).toEqual([
      'unknown field "colour" at the top level',
      'events[0] (capOf at d00 07:30:00.000): unknown event type "capOf" (one of capOff, capOn, magnet, noise, temperature, battery, batteryRemove, batteryInsert, powerCut, powerOn, reboot, button, board, appConnect, appSync, appWrite, appDrop, appDisconnect, log, runUntil)',
      "events[1] (capOn at d00 07:00:00.000): events must be in time order (previous event at d00 07:30:00.000)",
      'events[1] (capOn at d00 07:00:00.000): unknown field "bounce"',
      'events[2] (temperature at d00 08:00:00.000): "celsius" is required',
      'events[3] (powerCut at d00 09:00:00.000): "atWrite" must be an integer >= 1',
      'events[4] (log): "t" must be seconds >= 0 or a time like "3d07:45:10"',
    ]);
  });

  it("the default scenario is valid and spans two weeks", () => {
    const sc = validateScenario(JSON.parse(readFileSync("sim/scenarios/default.json", "utf8")), "default.json");
    expect(sc.duration).toBe(14 * 86400);
    expect(sc.events.filter((e) => e.type === "capOff" && e.label === "injection").length).toBe(57); // incl. the double dose on day 3
    expect(sc.events.some((e) => e.type === "powerCut" && e.atWrite)).toBe(true);
    expect(sc.events.some((e) => e.type === "appSync" && e.dropAfterRecords)).toBe(true);
  });
});

describe("runScenario", () => {
  const day = {
    name: "one day",
    events: [
      { t: "07:30", type: "capOff", label: "injection", bounces: 2, bounceMs: 8 },
      { t: "07:30:40", type: "capOn", bounces: 1, bounceMs: 6 },
      { t: "09:00", type: "capOff", label: "check" },
      { t: "09:00:02", type: "capOn" },
      { t: "12:30", type: "capOff" },
      { t: "12:30:25", type: "capOn" },
      { t: "21:00", type: "appConnect", mtu: 53 },
      { t: "21:00:01", type: "appSync" },
      { t: "21:01", type: "appDisconnect" },
    ],
  };

  it("plays cap events through the bundle (debounced watch) and matches true and recorded doses", async () => {
    const log: string[] = [];
    const tl: TimelineEntry[] = [];
    const sum = await runScenario(validateScenario(day), { bundle: capfw, app: (d) => fakeApp(d, log), onTimeline: (e) => tl.push(e) });
    expect(sum.doses).toEqual({ true: 2, recorded: 3, uncertain: 0, undated: 0, missed: 0, extra: 1 }); // the cap check is recorded by this naive firmware
    expect(sum.records).toEqual({ written: 3, synced: 3, lost: 0, corrupt: 0, gaps: { overwritten: 0, skipped: 0, deleted: 0, missing: 0, unconfirmed: 0 } });
    expect(sum.signals).toEqual({ unrecognised: 3 });
    expect(log).toEqual(["connect 53", "sync 3", "disconnect"]);
    expect(tl.filter((e) => e.kind === "console").map((e) => e.text)).toEqual(["boot, 0 sessions stored", "session 1 40.0 s", "session 2 2.0 s", "session 3 25.0 s"]);
    expect(tl.filter((e) => e.kind === "pins").map((e) => e.text)).toEqual(["LED1 ×1 (on 0.10 s)", "LED1 ×1 (on 0.10 s)", "LED1 ×1 (on 0.10 s)"]);
    expect(sum.errors).toEqual([]);
    expect(sum.battery).toEqual({ averageCurrentMicroamps: null, monthsOnCR2032: null });
  });

  it("app events without an app fail clearly, or are skipped and reported as unknown", async () => {
    await expect(runScenario(validateScenario(day), { bundle: capfw, file: "day.json" })).rejects.toThrow(
      /day.json: events\[6\] appConnect: no companion app is attached/,
    );
    const sum = await runScenario(validateScenario(day), { bundle: capfw, onMissingApp: "skip" });
    expect(sum.doses).toEqual({ true: 2, recorded: null, uncertain: null, undated: null, missed: null, extra: null });
    expect(sum.records).toEqual({ written: null, synced: null, lost: null, corrupt: null, gaps: null });
    expect(sum.app).toBe("none");
    expect(sum.warnings).toEqual(["3 app event(s) skipped: no companion app is attached (recorded and synced counts are unknown)"]);
  });

  it("a power cut at the 3rd word write of the next session, then a fresh battery, boots again with flash intact", async () => {
    const sc = validateScenario({
      name: "swap",
      events: [
        { t: 60, type: "capOff", label: "injection" },
        { t: 90, type: "capOn" },
        { t: 100, type: "powerCut", atWrite: 3, restoreAfter: 40, newBattery: true },
        { t: 200, type: "capOff", label: "injection" },
        { t: 230, type: "capOn" },
        { t: 400, type: "capOff", label: "injection" },
        { t: 430, type: "capOn" },
      ],
    });
    const tl: TimelineEntry[] = [];
    const sum = await runScenario(sc, { bundle: capfw, onTimeline: (e) => tl.push(e) });
    const texts = tl.map((e) => `${e.kind}: ${e.text}`);
    expect(texts).toContain("device: armed power cut fired (word write #3)");
    expect(texts).toContain("device: fresh battery inserted");
    expect(texts).toContain("console: boot, 1 sessions stored"); // the torn write of session 2 is not visible
    expect(texts).toContain("console: session 2 30.0 s"); // getTime restarted at 0 at power-on (t = 270)
    expect(sum.boots).toEqual({ count: 2, reasons: { "power-on": 2 }, brownOuts: 0, storageResets: 0 });
    expect(sum.errors).toEqual([]);
    expect(sum.warnings).toEqual([]);
  });

  it("unlabelled sessions count as doses by length; an armed cut that never fires is a warning", async () => {
    const sc = validateScenario({
      name: "lengths",
      injection: { minSeconds: 10, maxSeconds: 100 },
      events: [
        { t: 10, type: "capOff" },
        { t: 12, type: "capOn" },
        { t: 100, type: "capOff" },
        { t: 150, type: "capOn" },
        { t: 300, type: "capOff" },
        { t: 900, type: "capOn" },
        { t: 901, type: "powerCut", duringErase: 1 },
      ],
    });
    const sum = await runScenario(sc, { bundle: capfw });
    expect(sum.doses.true).toBe(1);
    expect(sum.warnings[0]).toMatch(/armed power cut \(erase #1\) never fired/);
  });

  it("runs the default scenario's two weeks on the current bundle without errors", async () => {
    const sc = validateScenario(JSON.parse(readFileSync("sim/scenarios/default.json", "utf8")));
    const sum = await runScenario(sc, { bundle: capfw, onMissingApp: "skip" });
    expect(sum.simulatedDays).toBe(14);
    expect(sum.doses.true).toBe(57);
    expect(sum.errors).toEqual([]);
    expect(sum.flash.wordWrites).toBeGreaterThan(0);
    expect(sum.boots.reasons["power-on"]).toBe(2); // the battery swap fired during a Storage write
  });
});
