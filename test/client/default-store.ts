// The default scenario (sim/scenarios/default.json, two weeks of a patient) on the real bundle, as `npm run sim`
// wires it; resolves with what the simulated app synced. Shared by the client tests (one run per test file).
import { readFileSync } from "node:fs";
import { firmwareBundle } from "../e2e/harness.js";
import { validateScenario } from "../../sim/scenario.js";
import { integrationFor } from "../../sim/integration.js";
import { runScenario, type Summary } from "../../sim/runner.js";
import type { SimApp } from "../../sim/app.js";
import type { RecordStore } from "../../client/store.js";

/**
 * Also: the scenario times (s) at which the cap showed its double-dose signals (its LED/buzzer patterns):
 * `doubleDoseWarnings` the buzzer alarms, `doubleDoseCues` the quiet cues (red ×5, no buzzer; every alarm follows
 * a cue at the same removal).
 */
export async function defaultScenarioStore(): Promise<{ store: RecordStore; summary: Summary; startUnix: number; doubleDoseWarnings: number[]; doubleDoseCues: number[] }> {
  const bundle = await firmwareBundle();
  const sc = validateScenario(JSON.parse(readFileSync("sim/scenarios/default.json", "utf8")), "default.json");
  const integ = integrationFor(sc);
  let app: SimApp | undefined;
  const doubleDoseWarnings: number[] = [];
  const doubleDoseCues: number[] = [];
  const summary = await runScenario(sc, {
    bundle, nrf: integ.nrf, app: (d) => (app = integ.app!(d) as SimApp), energy: null, hangGuardMs: 5000,
    onTimeline: (e) => {
      if (e.kind === "pins" && e.text.startsWith("DOUBLE-DOSE WARNING")) (e.text.includes("no buzzer") ? doubleDoseCues : doubleDoseWarnings).push(e.t);
    },
  });
  const store = app?.records();
  if (!store) throw new Error("the default scenario's app synced nothing");
  return { store, summary, startUnix: Math.floor(Date.parse(sc.start ?? "2026-01-01T00:00:00Z") / 1000), doubleDoseWarnings, doubleDoseCues };
}
