// The one place where the parts built apart meet the scenario runner: the BLE part (sim/ble/) provides the NRF
// global, the integration provides the companion app that scenario app events drive, and the energy model
// (sim/energy/) provides the battery estimate. Each stays null until its part is merged and wired here.
//
// Wiring sketch for sim/ble's createNrf (its CreateNrfOptions as of its branch), called at every boot:
//   nrf: (env) => createNrf({
//     clock: env.bootClock,                         // radio timers die with the boot, run as firmware callbacks
//     activity: (_t, a) => env.device.emitActivity(a),
//     battery: () => env.device.batteryVolts(),
//     maxMtu: 53,
//     makeArrayBuffer: (b) => env.arrayBuffer(b),
//     makeError: (m) => env.error(m),
//     onError: (e) => env.uncaught(e, "NRF event"),
//   }).nrf,
// The phone (SimCentral) outlives reboots: keep it outside the factory and re-attach it to each boot's radio.
import type { NrfFactory } from "./device.js";
import type { EnergyMeter, ScenarioAppFactory } from "./runner.js";

export const integration: {
  nrf: NrfFactory | null;
  app: ScenarioAppFactory | null;
  energy: (() => EnergyMeter) | null;
} = { nrf: null, app: null, energy: null };
