// Runs the scenarios written blind from docs/scenarios.md (see README.md here) on the real bundle with the
// integration wired, and checks the summaries written down before the first run.
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { firmwareBundle, runWithIntegration } from "./bundle.js";

let bundle = "";
beforeAll(async () => {
  bundle = await firmwareBundle();
});

const read = (name: string) => JSON.parse(readFileSync(new URL(name, import.meta.url), "utf8"));

describe("scenarios written from docs/scenarios.md alone", () => {
  it.each(["day-four-injections", "puck-day", "week-power-cut"])("%s gives the summary expected from the doc", async (name) => {
    const exp = read(`${name}.expected.json`);
    const sc = read(`${name}.json`);
    // With the hang guard on, as `npm run sim` runs them (it counts steps: sim/hang-guard.ts).
    const { summary } = await runWithIntegration(sc, bundle, `${name}.json`);
    expect({
      scenario: summary.scenario,
      board: summary.board,
      simulatedDays: summary.simulatedDays,
      doses: summary.doses,
      boots: summary.boots,
      app: summary.app,
      errors: summary.errors,
      warnings: summary.warnings,
    }).toEqual({
      scenario: exp.scenario,
      board: exp.board,
      simulatedDays: exp.simulatedDays,
      doses: exp.doses,
      boots: exp.boots,
      app: exp.app,
      errors: exp.errors,
      warnings: exp.warnings,
    });
    expect(summary.records.lost).toBe(exp.records.lost);
    expect(summary.records.corrupt).toBe(exp.records.corrupt);
    if (exp.records.syncedEqualsWritten) expect(summary.records.synced).toBe(summary.records.written);
    expect(summary.records.written).toBeGreaterThanOrEqual(exp.records.writtenAtLeast);
  });
});
