// One worker thread of sim/batch.ts: runs the caps it is sent, one after another, and posts each summary back.
import { readFileSync } from "node:fs";
import { parentPort } from "node:worker_threads";
import { repeatScenario, type CapJob } from "./batch.js";
import { runIntegrated } from "./integration.js";
import { validateScenario } from "./scenario.js";

const port = parentPort!;
const bundles = new Map<string, string>();

port.on("message", async (job: CapJob) => {
  const t0 = performance.now();
  try {
    const bundlePath = job.bundlePath ?? "dist/firmware.js";
    let bundle = bundles.get(bundlePath);
    if (bundle === undefined) bundles.set(bundlePath, (bundle = readFileSync(bundlePath, "utf8")));
    let sc = validateScenario(JSON.parse(readFileSync(job.file, "utf8")), job.file);
    if (job.seed !== undefined) sc = { ...sc, seed: job.seed };
    sc = repeatScenario(sc, job.repeat ?? 1);
    const summary = await runIntegrated(sc, { file: job.file, bundle, hangGuard: job.hangGuard ?? true });
    port.postMessage({ summary, error: null, seconds: (performance.now() - t0) / 1000 });
  } catch (e) {
    port.postMessage({ summary: null, error: e instanceof Error ? e.message : String(e), seconds: (performance.now() - t0) / 1000 });
  }
});
port.postMessage({ ready: true });
