// The one place where the parts built apart meet the scenario runner: the BLE part (sim/ble/) provides the NRF
// global, the companion app (sim/app.ts over client/) drives the scenario's app events, and the energy model
// (sim/energy/) provides the battery estimate.
import { createNrf, SimCentral, type SimRadio } from "./ble/index.js";
import type { NrfEnv, NrfFactory, SimDevice } from "./device.js";
import { runScenario, type EnergyMeter, type RunOptions, type ScenarioAppFactory, type Summary } from "./runner.js";
import type { ResolvedScenario } from "./scenario.js";
import { SimApp } from "./app.js";
import { EnergyMeter as Meter } from "./energy/meter.js";
import { modelForBoard } from "./energy/model.js";

/**
 * The radio of one simulated cap. It is made once per device and reset at every boot (a reboot drops the link
 * and the GATT table, bonds survive as they do in the nRF's own flash pages); the phone (central) lives on.
 */
export class CapRadio {
  private made: { nrf: object; radio: SimRadio } | null = null;
  private env: NrfEnv | null = null;
  private phone: SimCentral | null = null;

  readonly factory: NrfFactory = (env) => {
    this.env = env;
    if (!this.made) {
      this.made = createNrf({
        clock: env.clock,
        activity: (_t, a) => this.env!.device.emitActivity(a),
        battery: () => this.env!.device.batteryVolts(),
        maxMtu: 53,
        makeArrayBuffer: (b) => this.env!.arrayBuffer(b),
        makeError: (m) => this.env!.error(m),
        onError: (e) => this.env!.uncaught(e, "NRF event"),
        // Through the runtime, like every firmware callback: a power cut inside a write handler powers the
        // cap off (and the scenario's restoreAfter runs), a reboot takes effect, a dead boot runs nothing.
        firmwareEvent: (fn) => {
          const env = this.env!;
          return () => {
            env.call(fn, [], "NRF event");
          };
        },
      }) as unknown as { nrf: object; radio: SimRadio };
      // Power lost: the radio stops at once; the phone sees the link time out after the supervision timeout
      // (CONN_SUP_TIMEOUT, 4 s in targets/nrf5x/bluetooth.c) unless a reboot closed it first.
      const device = env.device;
      device.onLifecycle((e) => {
        if (e.kind !== "halt" || e.why !== "power-off") return;
        device.clock.schedule(device.clock.now() + 4, () => {
          if (!device.running && this.phone?.connected) this.phone.dropLink();
        });
      });
    } else {
      this.made.radio.reset();
    }
    // Each boot's NRF: every method is an API call of that boot's interpreter (halt checks, CPU accounting).
    const nrf = this.made.nrf as Record<string, unknown>;
    const perBoot: Record<string, unknown> = {};
    for (const k of Object.keys(nrf)) {
      const f = nrf[k];
      // (arguments, not a rest parameter: no array per call)
      perBoot[k] = typeof f === "function" ? function (this: unknown) { env.enter(); return (f as (...x: unknown[]) => unknown).apply(nrf, arguments as unknown as unknown[]); } : f;
    }
    return perBoot;
  };

  get radio(): SimRadio {
    if (!this.made) throw new Error("the cap has not booted with BLE yet");
    return this.made.radio;
  }

  central(): SimCentral {
    if (!this.phone) this.phone = this.radio.central() as SimCentral;
    return this.phone;
  }
}

export interface Integration {
  nrf: NrfFactory | null;
  app: ScenarioAppFactory | null;
  energy: (() => EnergyMeter) | null;
}

/** Everything wired for one scenario run (a fresh radio, phone and meter per run). */
export function integrationFor(sc: ResolvedScenario): Integration {
  const radio = new CapRadio();
  const startUnix = Math.floor(Date.parse(sc.start ?? "2026-01-01T00:00:00Z") / 1000);
  return {
    nrf: radio.factory,
    app: (device: SimDevice) => new SimApp(device, { startUnix, central: () => radio.central() }),
    energy: () => {
      let meter: Meter | null = null;
      let device: SimDevice | null = null;
      return {
        attach(d: SimDevice) {
          device = d;
          meter = new Meter(modelForBoard(d.board.name));
          meter.start(d.clock.now());
          d.onActivity(meter.listener);
        },
        averageCurrentMicroamps() {
          return meter && device ? meter.finish(device.clock.now()).averageCurrentMicroamps : NaN;
        },
      };
    },
  };
}

/** Runs a validated scenario with everything wired, as `npm run sim` does (the CLI and tests share this). */
export function runIntegrated(sc: ResolvedScenario, opts: Omit<RunOptions, "nrf" | "app" | "energy">): Promise<Summary> {
  const integration = integrationFor(sc);
  return runScenario(sc, {
    ...opts,
    nrf: integration.nrf,
    app: integration.app,
    energy: integration.energy ? integration.energy() : null,
  });
}
