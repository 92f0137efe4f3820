// 1. The default scenario (sim/scenarios/default.json: two weeks of a patient) on the real bundle with the
// simulated radio, the companion app and the energy meter, as `npm run sim` wires them.
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { firmwareBundle } from "./harness.js";
import { validateScenario } from "../../sim/scenario.js";
import { integrationFor } from "../../sim/integration.js";
import { runScenario, type Summary } from "../../sim/runner.js";
import type { SimApp } from "../../sim/app.js";

// The minified bundle (~45 KB) does not fit the MDBT42Q's 40 KB Storage yet: runScenario builds its own
// SimDevice, so the device is built here with the bundle handed over directly (installBundle: false).
// TODO(lead): drop this mock once the bundle fits Storage (the same test then runs as flashed).
vi.mock("../../sim/device.js", async (orig) => {
  const m = await orig<typeof import("../../sim/device.js")>();
  class NotInstalled extends m.SimDevice {
    constructor(o: ConstructorParameters<typeof m.SimDevice>[0] = {}) {
      super({ ...o, installBundle: false });
    }
  }
  return { ...m, SimDevice: NotInstalled };
});

describe("default scenario, end to end", () => {
  let summary: Summary;
  let app: SimApp;
  beforeAll(async () => {
    const bundle = await firmwareBundle();
    const sc = validateScenario(JSON.parse(readFileSync("sim/scenarios/default.json", "utf8")), "default.json");
    const integ = integrationFor(sc);
    summary = await runScenario(sc, {
      bundle,
      nrf: integ.nrf,
      app: (d) => (app = integ.app!(d) as SimApp),
      energy: integ.energy!(),
      hangGuardMs: 5000,
    });
  });

  it("records every true dose and invents none", () => {
    expect(summary.doses.true).toBeGreaterThan(40);
    expect(summary.doses.recorded).toBe(summary.doses.true);
    expect(summary.doses.missed).toBe(0);
    expect(summary.doses.extra).toBe(0);
  });

  it("the app holds every record once, none corrupt", () => {
    const store = app.records()!;
    expect(summary.records.corrupt).toBe(0);
    expect(store.conflicts).toEqual([]);
    // one entry per seq (a Map keyed by seq) and as many as the app counted as synced
    const seqs = store.sorted().map((r) => r.seq);
    expect(new Set(seqs).size).toBe(seqs.length);
    expect(summary.records.synced).toBe(seqs.length);
    expect(seqs.length).toBeGreaterThan(60);
  });

  it("no record is lost (a gap may only be the one seq burned by the torn write)", () => {
    const store = app.records()!;
    const gaps = store.gaps().filter((g) => g.kind === "missing" || g.kind === "unconfirmed");
    const burned = gaps.reduce((n, g) => n + g.to - g.from + 1, 0);
    // Known: the battery swap during a flash write burns one seq (a torn slot); a SEQ_SKIPPED record is on its
    // way. Until then exactly one seq may be missing, and it must be a single-seq gap.
    expect(burned).toBeLessThanOrEqual(1);
    expect(summary.records.lost).toBe(burned);
  });

  it.fails("TODO(lead, flip when SEQ_SKIPPED lands): records.lost is 0", () => {
    expect(summary.records.lost).toBe(0);
  });

  it("runs ≥ 18 months on a CR2032 and no error reached the event loop", () => {
    expect(summary.battery.monthsOnCR2032).not.toBeNull();
    expect(summary.battery.monthsOnCR2032!).toBeGreaterThanOrEqual(18);
    expect(summary.errors).toEqual([]);
    expect(summary.warnings).toEqual([]);
  });
});
