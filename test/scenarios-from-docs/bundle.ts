// The real firmware bundle and the integration (radio, app, energy meter) for scenario tests, as sim/cli.ts
// wires them for `npm run sim`.
import { buildFirmware } from "../../scripts/gate/index.mjs";
import { runIntegrated } from "../../sim/integration.js";
import type { Summary, TimelineEntry } from "../../sim/runner.js";
import { validateScenario } from "../../sim/scenario.js";

let built: Promise<string> | null = null;

/** firmware/main.ts built as `npm run build` does (minified), in memory. */
export function firmwareBundle(): Promise<string> {
  built ??= buildFirmware({ outfile: "dist/firmware.js", write: false }).then((r: { ok: boolean; code?: string; problems: unknown[] }) => {
    if (!r.ok || !r.code) throw new Error(`the firmware does not build: ${JSON.stringify(r.problems).slice(0, 500)}`);
    return r.code;
  });
  return built;
}

/** Runs a scenario (raw JSON) on the bundle with the integration wired, collecting the timeline. hangGuard as
 * sim/cli.ts (on; false = --no-hang-guard). */
export async function runWithIntegration(raw: unknown, bundle: string, file = "scenario", hangGuard = true): Promise<{ summary: Summary; timeline: TimelineEntry[] }> {
  process.env.TZ = "UTC"; // as sim/cli.ts: Espruino's Date works in UTC
  const sc = validateScenario(raw, file);
  const timeline: TimelineEntry[] = [];
  const summary = await runIntegrated(sc, {
    file,
    bundle,
    hangGuard,
    onTimeline: (e) => timeline.push(e),
  });
  return { summary, timeline };
}
