// Builds bench/fill-log.ts (the on-device log filler) through the firmware's Espruino gate, in memory.
import { buildFirmware } from "../scripts/gate/index.mjs";

let cached: string | null = null;

/** The filler's code, followed by nothing: prefix it with `var BENCH_FILL_N=…,BENCH_FILL_T0=…;`. */
export async function fillLogCode(): Promise<string> {
  if (cached) return cached;
  const r = (await buildFirmware({ entry: "bench/fill-log.ts", outfile: "dist/bench-fill-log.js", write: false, mangle: false })) as {
    ok: boolean;
    code?: string;
    problems: Array<{ file: string; line: number; message: string }>;
  };
  if (!r.ok || !r.code) throw new Error(`bench/fill-log.ts refused by the gate: ${r.problems.map((p) => `${p.file}:${p.line} ${p.message}`).join("; ")}`);
  cached = r.code;
  return cached;
}

/** The filler with its parameters: n records (-1: until the ring is full and has wrapped), from unix time t0. */
export async function fillLogScript(n: number, t0: number): Promise<string> {
  return `var BENCH_FILL_N=${n},BENCH_FILL_T0=${t0};\n` + (await fillLogCode());
}
