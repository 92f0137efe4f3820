// Energy of the default scenario (issue 8): sim/scenarios/default.json run through sim/runner.ts with the
// integration of sim/integration.ts (radio, companion app, energy meter), exactly as `npm run sim` does. A second
// meter of the same model listens alongside only to give the per-activity breakdown.
import { readFileSync } from "node:fs";
import { integrationFor } from "../sim/integration.js";
import { runScenario } from "../sim/runner.js";
import { validateScenario } from "../sim/scenario.js";
import { EnergyMeter as Meter, type EnergyReport } from "../sim/energy/meter.js";
import { modelForBoard } from "../sim/energy/model.js";
import type { SimDevice } from "../sim/device.js";

export interface ScenarioEnergy {
  scenario: string;
  board: string;
  simulatedDays: number;
  averageCurrentMicroamps: number | null;
  monthsOnCR2032: number | null;
  breakdown: EnergyReport;
  doses: { true: number; recorded: number | null; uncertain: number | null };
  records: { written: number | null; synced: number | null; lost: number | null };
}

export async function scenarioEnergy(file = "sim/scenarios/default.json", bundle?: string): Promise<ScenarioEnergy> {
  process.env.TZ = "UTC";
  const sc = validateScenario(JSON.parse(readFileSync(file, "utf8")), file);
  const integration = integrationFor(sc);
  const inner = integration.energy!();
  let meter: Meter | null = null;
  let device: SimDevice | null = null;
  const summary = await runScenario(sc, {
    file,
    bundle,
    nrf: integration.nrf,
    app: integration.app,
    energy: {
      attach(d: SimDevice) {
        inner.attach(d);
        device = d;
        meter = new Meter(modelForBoard(d.board.name));
        meter.start(d.clock.now());
        d.onActivity(meter.listener);
      },
      averageCurrentMicroamps: () => inner.averageCurrentMicroamps(),
    },
    hangGuard: true,
  });
  const dev = device as SimDevice | null;
  const m = meter as Meter | null;
  if (!dev || !m) throw new Error("the runner never attached the energy meter");
  return {
    scenario: summary.scenario,
    board: summary.board,
    simulatedDays: summary.simulatedDays,
    averageCurrentMicroamps: summary.battery.averageCurrentMicroamps,
    monthsOnCR2032: summary.battery.monthsOnCR2032,
    breakdown: m.finish(dev.clock.now()),
    doses: { true: summary.doses.true, recorded: summary.doses.recorded, uncertain: summary.doses.uncertain },
    records: { written: summary.records.written, synced: summary.records.synced, lost: summary.records.lost },
  };
}
