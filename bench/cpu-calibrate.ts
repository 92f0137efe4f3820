// Calibrates the simulator's CPU cost model (sim/cpu.ts) against the real interpreter: instruction counts
// from valgrind's callgrind on the 2v29 host build (ESPRUINO_BIN), which are repeatable where wall time is not.
// Everything is expressed in "units": one iteration of the calibration loop
//   while(i--){Math.abs(1);Math.abs(1);}
// measured the same way (two runs, 2,000 and 4,000 iterations, the difference / 2,000). A firmware path is
// measured as the difference of two runs with N1 and N2 repetitions (bench/cpu-paths.ts), so start-up,
// parsing and exit cancel out. `npx tsx bench/cpu-calibrate.ts [bin]` prints the figures as JSON.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { buildFirmware } from "../scripts/gate/index.mjs";

export const CALIBRATION_LOOP = "while(i--){Math.abs(1);Math.abs(1);}";

export async function pathsCode(): Promise<string> {
  const r = (await buildFirmware({ entry: "bench/cpu-paths.ts", outfile: "dist/bench-cpu-paths.js", write: false, mangle: true })) as { // mangled as the firmware bundle is
    ok: boolean;
    code?: string;
    problems: Array<{ file: string; line: number; message: string }>;
  };
  if (!r.ok || !r.code) throw new Error(`bench/cpu-paths.ts refused by the gate: ${r.problems.map((p) => `${p.file}:${p.line} ${p.message}`).join("; ")}`);
  return r.code;
}

/** Instructions callgrind counted for one run of `code` as a file, in `dir` (its espruino.flash is kept). */
function instructions(bin: string, dir: string, code: string): { ir: number; out: string } {
  writeFileSync(join(dir, "run.js"), code);
  const cg = join(dir, "cg.out");
  const res = execFileSync("valgrind", ["--tool=callgrind", `--callgrind-out-file=${cg}`, bin, "run.js"], {
    cwd: dir, encoding: "utf8", input: "", maxBuffer: 1 << 26, stdio: ["pipe", "pipe", "pipe"], timeout: 600_000,
  });
  const summary = execFileSync("sh", ["-c", `grep -E '^(summary|totals):' ${cg} | head -1`], { encoding: "utf8" });
  const ir = Number(/\d+/.exec(summary)?.[0] ?? NaN);
  rmSync(cg, { force: true });
  return { ir, out: res };
}

export interface Calibration {
  instructionsPerUnit: number;
  /** units per repetition of each path */
  paths: Record<string, { units: number; per: string }>;
}

/** `only`: measure these paths alone (append, notify3, notify1, timer); all by default. */
export async function calibrate(bin: string, only?: string[]): Promise<Calibration> {
  const want = (p: string) => !only || only.includes(p);
  const dir = mkdtempSync(join(tmpdir(), "bench-cpu-"));
  try {
    const loop = (n: number) => instructions(bin, dir, `var i=${n};${CALIBRATION_LOOP}\n`).ir;
    const perUnit = (loop(4000) - loop(2000)) / 2000;
    const code = await pathsCode();
    const runPath = (path: string, n: number) => {
      const r = instructions(bin, dir, `var BENCH_CPU_PATH=${JSON.stringify(path)},BENCH_CPU_N=${n};\n` + code);
      const m = /CPU:(\{[^}]*\})/.exec(r.out);
      if (!m) throw new Error(`${path}: no CPU line: ${r.out.slice(-300)}`);
      return { ir: r.ir, info: JSON.parse(m[1]) as { sent: number; count: number } };
    };
    const paths: Calibration["paths"] = {};
    // append: a fresh log each time (a new directory: new flash)
    const fresh = (n: number) => {
      const d2 = mkdtempSync(join(tmpdir(), "bench-cpu-"));
      try {
        return instructions(bin, d2, `var BENCH_CPU_PATH="fill",BENCH_CPU_N=${n};\n` + code).ir;
      } finally {
        rmSync(d2, { recursive: true, force: true });
      }
    };
    if (want("append")) paths.append = { units: (fresh(200) - fresh(100)) / 100 / perUnit, per: "record appended (DoseLog.append)" };
    runPath("fill", 700); // the log the reports read
    for (const p of ["notify3", "notify1"].filter(want)) {
      const a = runPath(p, 150);
      const b = runPath(p, 600);
      paths[p] = { units: (b.ir - a.ir) / (b.info.sent - a.info.sent) / perUnit, per: `notification (${p === "notify3" ? 3 : 1} records each, RACP pump)` };
    }
    if (want("timer")) {
      const t1 = runPath("timer", 100);
      const t2 = runPath("timer", 400);
      paths.timer = { units: (t2.ir - t1.ir) / 300 / perUnit, per: "callback run by the interpreter (empty setTimeout)" };
    }
    return { instructionsPerUnit: perUnit, paths };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.dirname, "cpu-calibrate.ts")) {
  const bin = process.argv[2] ?? process.env.ESPRUINO_BIN;
  if (!bin || !existsSync(bin)) {
    process.stderr.write("usage: npx tsx bench/cpu-calibrate.ts <espruino host build> (or ESPRUINO_BIN)\n");
    process.exit(2);
  }
  process.chdir(resolve(import.meta.dirname, ".."));
  console.log(JSON.stringify(await calibrate(bin, process.env.BENCH_CPU_ONLY?.split(",")), null, 1));
}
