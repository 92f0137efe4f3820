// sim/batch.ts: many caps on worker threads, one summary (npm run sim -- --seeds ..., --repeat ...).
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { repeatScenario, runCaps, totals } from "../../sim/batch.js";
import { validateScenario } from "../../sim/scenario.js";
import { firmwareBundle } from "../scenarios-from-docs/bundle.js";

const day = {
  name: "two injections",
  board: "MDBT42Q",
  start: "2026-03-02T00:00:00Z",
  duration: "1d",
  events: [
    { t: "08:00", type: "capOff", label: "injection" },
    { t: "08:00:30", type: "capOn" },
    { t: "20:00", type: "capOff", label: "injection" },
    { t: "20:00:30", type: "capOn" },
    { t: "21:00", type: "appConnect", mtu: 53, bonded: true },
    { t: "21:00:02", type: "appSync" },
  ],
};

let dir = "";
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "batch-"));
  writeFileSync(join(dir, "firmware.js"), await firmwareBundle());
  writeFileSync(join(dir, "day.json"), JSON.stringify(day));
  writeFileSync(join(dir, "bad.json"), JSON.stringify({ name: "bad", events: [{ t: 0, type: "nope" }] }));
});

describe("repeatScenario", () => {
  it("plays the events again, shifted by the duration each time", () => {
    const sc = repeatScenario(validateScenario(day), 3);
    expect(sc.duration).toBe(3 * 86400);
    expect(sc.events.length).toBe(3 * day.events.length);
    expect(sc.events.filter((e) => e.type === "capOff").map((e) => e.t)).toEqual([8, 20, 32, 44, 56, 68].map((h) => h * 3600));
    expect(() => repeatScenario(validateScenario(day), 0)).toThrow(RangeError);
  });
});

describe("runCaps", () => {
  it("runs every cap on the worker pool, results in job order, a bad file as an error, and adds them up", async () => {
    const bundlePath = join(dir, "firmware.js");
    const jobs = [
      { file: join(dir, "day.json"), seed: 1, repeat: 2, bundlePath },
      { file: join(dir, "bad.json"), bundlePath },
      { file: join(dir, "day.json"), seed: 2, bundlePath },
    ];
    const seen: number[] = [];
    const results = await runCaps(jobs, { workers: 2, onResult: (_r, i) => seen.push(i) });
    expect(seen.sort()).toEqual([0, 1, 2]);
    expect(results.map((r) => r.job)).toEqual(jobs);
    expect(results[0].summary?.simulatedDays).toBe(2);
    expect(results[0].summary?.doses).toMatchObject({ true: 4, recorded: 4, missed: 0, extra: 0 });
    expect(results[1].summary).toBeNull();
    expect(results[1].error).toMatch(/unknown event type "nope"/);
    expect(results[2].summary?.doses).toMatchObject({ true: 2, recorded: 2, missed: 0, extra: 0 });
    const t = totals(results);
    expect(t).toMatchObject({ caps: 3, failed: 1, doses: { true: 6, recorded: 6, missed: 0, extra: 0 } });
    expect(t.capYears).toBeCloseTo(3 / 365.25, 6);
    // The same cap run again (another worker) gives the same summary: the simulator is deterministic.
    const again = await runCaps([jobs[2]], { workers: 1 });
    expect(again[0].summary).toEqual(results[2].summary);
  });
});
