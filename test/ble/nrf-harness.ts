// Runs firmware/hw/ble.ts's startBle() in Node against the simulated NRF (sim/ble): the Espruino globals it
// uses (NRF, getTime, setTime, setTimeout/clearTimeout, setInterval/clearInterval, require("Storage")) are
// provided over one virtual clock, and every timer callback is counted (the energy model charges each CPU
// wake-up, docs/power.md). Install before startBle, uninstall after the test (the globals are Node's own).
import Module from "node:module";
import { createNrf } from "../../sim/ble/index.js";
import { TestClock } from "../sim/ble/helpers";

export const WALL0 = 1764000000; // 2025-11-24T16:00:00Z at clock 0

export interface Harness {
  clock: TestClock;
  nrf: ReturnType<typeof createNrf>["nrf"];
  radio: ReturnType<typeof createNrf>["radio"];
  /** Timer callbacks run so far (the adapter's wake-ups). */
  wakes: { timeout: number; interval: number };
  /** Timers armed and not yet fired or cleared. */
  liveTimers(): number;
  files: Map<string, Uint8Array>;
  errors: unknown[];
  uninstall(): void;
}

const NAMES = ["NRF", "getTime", "setTime", "setTimeout", "clearTimeout", "setInterval", "clearInterval", "changeInterval", "require"];

export function installHarness(): Harness {
  const clock = new TestClock();
  const errors: unknown[] = [];
  const { nrf, radio } = createNrf({ clock, activity: () => {}, battery: () => 2.95, onError: (e) => errors.push(e) });
  const g = globalThis as any;
  const saved: { [k: string]: unknown } = {};
  for (const n of NAMES) saved[n] = g[n];
  let offset = WALL0; // getTime() = clock + offset; setTime() moves the offset
  const wakes = { timeout: 0, interval: 0 };
  const live = new Map<number, number>(); // timer id -> clock callback id
  let ids = 1;
  const files = new Map<string, Uint8Array>();
  g.NRF = nrf;
  g.getTime = () => clock.now() + offset;
  g.setTime = (t: number) => {
    offset = t - clock.now();
  };
  g.setTimeout = (fn: () => void, ms: number) => {
    const id = ids++;
    live.set(id, clock.schedule(clock.now() + ms / 1000, () => {
      live.delete(id);
      wakes.timeout++;
      fn();
    }));
    return id;
  };
  g.clearTimeout = (id: number) => {
    const c = live.get(id);
    if (c !== undefined) clock.cancel(c);
    live.delete(id);
  };
  const periods = new Map<number, { ms: number; run: (at: number) => void }>(); // interval id -> period
  g.setInterval = (fn: () => void, ms: number) => {
    const id = ids++;
    const run = (at: number) => {
      live.set(id, clock.schedule(at, () => {
        run(at + periods.get(id)!.ms / 1000); // no drift: from the scheduled time, as Espruino
        wakes.interval++;
        fn();
      }));
    };
    periods.set(id, { ms, run });
    run(clock.now() + ms / 1000);
    return id;
  };
  // Espruino's changeInterval: the new period, the next run that many ms from now.
  g.changeInterval = (id: number, ms: number) => {
    const p = periods.get(id);
    const c = live.get(id);
    if (!p || c === undefined) throw new Error("Unknown Interval");
    clock.cancel(c);
    p.ms = ms;
    p.run(clock.now() + ms / 1000);
  };
  g.clearInterval = (id: number) => {
    g.clearTimeout(id);
    periods.delete(id);
  };
  const storage = {
      readArrayBuffer: (f: string) => {
        const b = files.get(f);
        return b ? b.slice().buffer : undefined;
      },
      write: (f: string, d: Uint8Array) => {
        files.set(f, Uint8Array.from(d));
        return true;
      },
  };
  // Under vitest the firmware's require() is the module's CJS require (Node's loader): answer "Storage"
  // there; a bundled build calls the global require, also answered.
  g.require = (name: string) => {
    if (name !== "Storage") throw new Error("module " + name + " not found");
    return storage;
  };
  const M = Module as unknown as { _load: (req: string, ...rest: unknown[]) => unknown };
  const load = M._load;
  M._load = function (req: string, ...rest: unknown[]) {
    return req === "Storage" ? storage : load.call(this, req, ...rest);
  };
  return {
    clock, nrf, radio, wakes, files, errors,
    liveTimers: () => live.size,
    uninstall: () => {
      M._load = load;
      for (const [, c] of live) clock.cancel(c);
      for (const n of NAMES) {
        if (saved[n] === undefined) delete g[n];
        else g[n] = saved[n];
      }
    },
  };
}
