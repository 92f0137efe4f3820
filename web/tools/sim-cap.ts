// A simulated cap for the web app's tests and demo: the real firmware bundle in the simulator (sim/), run
// through a scenario with the simulated phone syncing as the scenario says, then left running so a browser
// (through ble-bridge.ts) can connect to it as one more phone.
import { readFileSync } from "node:fs";
import { CapRadio } from "../../sim/integration.js";
import { SimApp } from "../../sim/app.js";
import { runScenario, type Summary } from "../../sim/runner.js";
import { validateScenario } from "../../sim/scenario.js";
import type { SimDevice } from "../../sim/device.js";

export interface SimulatedCap {
  device: SimDevice;
  radio: CapRadio;
  /** The scenario's own phone app (its record store is what that phone synced). */
  app: SimApp;
  summary: Summary;
  /** Double-dose warnings the cap gave: its buzzer alarms (LED + buzzer pattern, from the simulator's pin trace). */
  doubleDoseWarnings: number;
  /** Quiet double-dose cues the cap showed (red ×5, no buzzer), at every removal inside the window. */
  doubleDoseCues: number;
  /** Unix seconds of virtual time 0. */
  startUnix: number;
  /** The cap's wall clock now, Unix seconds. */
  now(): number;
}

/** The passkey printed on the simulated cap's label (flash.sh writes it to Storage as pencap.key; the e2e
 *  harness uses the same one). A phone pairs by typing it into the OS pairing dialog. */
export const CAP_PASSKEY = "246810";

export async function simulatedCap(opts: { scenario?: string; duration?: number; bundle?: string; passkey?: string | null } = {}): Promise<SimulatedCap> {
  const file = opts.scenario ?? "sim/scenarios/default.json";
  const sc = validateScenario(JSON.parse(readFileSync(file, "utf8")), file);
  if (opts.duration !== undefined) sc.duration = opts.duration;
  const radio = new CapRadio();
  const startUnix = Math.floor(Date.parse(sc.start ?? "2026-01-01T00:00:00Z") / 1000);
  let device: SimDevice | undefined;
  let app: SimApp | undefined;
  let warnings = 0;
  let cues = 0;
  const summary = await runScenario(sc, {
    file,
    bundle: opts.bundle,
    nrf: radio.factory,
    app: (d) => {
      device = d;
      // Provisioned as flash.sh does, before the first boot (null: an unprovisioned cap, which no phone can bond).
      const pk = opts.passkey === undefined ? CAP_PASSKEY : opts.passkey;
      if (pk !== null) d.installFile("pencap.key", new Uint8Array(Buffer.from(pk, "ascii")));
      app = new SimApp(d, { startUnix, central: () => radio.central() });
      return app;
    },
    energy: null,
    onTimeline: (e) => {
      if (e.kind === "pins" && e.text.startsWith("DOUBLE-DOSE WARNING")) {
        if (e.text.includes("no buzzer")) cues++;
        else warnings++;
      }
    },
  });
  if (!device || !app) throw new Error("the scenario runner never built the app");
  const dev = device;
  return { device: dev, radio, app, summary, doubleDoseWarnings: warnings, doubleDoseCues: cues, startUnix, now: () => startUnix + dev.clock.now() };
}

/** The 5-click pairing gesture (docs/protocol.md §6: 5 removals within 6 s opens the pairing window). */
export function pairingGesture(device: SimDevice): void {
  for (let i = 0; i < 5; i++) {
    device.setCap(false);
    device.clock.advance(0.5);
    device.setCap(true);
    device.clock.advance(0.5);
  }
  device.clock.advance(2);
}
