// The one place where the parts built apart meet the scenario runner: the BLE part (sim/ble/) provides the NRF
// global, the integration provides the companion app that scenario app events drive, and the energy model
// (sim/energy/) provides the battery estimate. Each stays null until its part is merged and wired here.
import type { NrfFactory } from "./device.js";
import type { EnergyMeter, ScenarioAppFactory } from "./runner.js";

export const integration: {
  nrf: NrfFactory | null;
  app: ScenarioAppFactory | null;
  energy: (() => EnergyMeter) | null;
} = { nrf: null, app: null, energy: null };
