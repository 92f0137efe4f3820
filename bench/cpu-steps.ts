// The simulator's view of the calibration paths (bench/cpu-paths.ts): API calls and steps (loop iterations +
// function entries, counted by the hang guard) per repetition, as the difference of two runs, the same way
// bench/cpu-calibrate.ts measures the interpreter's instructions. sim/cpu.ts fits its model to the two.
// `npx tsx bench/cpu-steps.ts` prints them as JSON.
import { resolve } from "node:path";
import { SimDevice } from "../sim/device.js";
import { pathsCode } from "./cpu-calibrate.js";

export interface PathCounts {
  apiCalls: number;
  steps: number;
}

/** One run of the paths code on a fresh simulated LINUX board (its flash store as the host build's). */
function run(code: string, path: string, n: number, fill: number): { apiCalls: number; steps: number; sent: number } {
  const d = new SimDevice({ board: "LINUX", seed: 1, bundle: "", installBundle: false });
  d.powerOn();
  const lines: string[] = [];
  if (fill > 0) d.evaluate(`var BENCH_CPU_PATH="fill",BENCH_CPU_N=${fill};\n` + code);
  const before = d.output.length;
  d.evaluate(`var BENCH_CPU_PATH=${JSON.stringify(path)},BENCH_CPU_N=${n};\n` + code);
  const rt = d.runtime!;
  for (const l of d.output.slice(before)) lines.push(l.text);
  const m = /CPU:(\{[^}]*\})/.exec(lines.join("\n"));
  if (!m) throw new Error(`${path}: no CPU line: ${lines.join("\n").slice(-300)}`);
  const info = JSON.parse(m[1]) as { sent: number };
  return { ...rt.lastCallback, sent: info.sent };
}

/** API calls and steps per repetition of each path, as the calibration measures units. */
export async function pathCounts(): Promise<Record<string, PathCounts>> {
  const code = await pathsCode();
  const out: Record<string, PathCounts> = {};
  const per = (a: { apiCalls: number; steps: number }, b: { apiCalls: number; steps: number }, k: number) => ({
    apiCalls: (b.apiCalls - a.apiCalls) / k,
    steps: (b.steps - a.steps) / k,
  });
  out.append = per(run(code, "fill", 100, 0), run(code, "fill", 200, 0), 100);
  for (const p of ["notify3", "notify1"]) {
    const a = run(code, p, 150, 700);
    const b = run(code, p, 600, 700);
    out[p] = per(a, b, b.sent - a.sent);
  }
  return out;
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.dirname, "cpu-steps.ts")) {
  process.chdir(resolve(import.meta.dirname, ".."));
  console.log(JSON.stringify(await pathCounts(), null, 1));
}
