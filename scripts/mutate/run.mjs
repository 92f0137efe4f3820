#!/usr/bin/env node
// Mutation testing over a listed set of mutants (scripts/mutate/mutants.mjs): each mutant is one deliberate
// bug in the firmware's safety modules (detect, log, security, power) or their wiring. For each, the source
// is copied into a scratch tree, the mutant applied, and the tests named for it are run there; the mutant is
// *killed* when they fail, *survived* when they pass. A survivor is a claim the suite makes but does not check.
//
//   npm run mutate                      # every mutant, its listed tests
//   npm run mutate -- --only log-       # mutants whose id starts with log- (a comma-separated list: any of them)
//   npm run mutate -- --full            # the whole suite per mutant (slow: ~1–2 min each on 2 cores)
//   npm run mutate -- --json            # one JSON object on stdout
//   npm run mutate -- --list            # the mutants and their tests, nothing run
//
// A survivor whose entry carries `explained` (an equivalent mutant, or a difference no test can observe) is
// reported as explained and does not fail the run; any other survivor, or a mutant whose pattern no longer
// applies, does (exit 1 / 2). Not part of `npm test` (a run takes minutes): the score is reported in
// docs/benchmarks.md §7; test/toolchain/mutants.test.ts only checks that every pattern still applies.
// Why a script of our own and not StrykerJS: the firmware is built by the Espruino gate from source for the
// end-to-end tests, so a mutant must go through the same build; hand-written mutants name the bug they stand
// for, which is what the review of survivors needs.
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { MUTANTS } from "./mutants.mjs";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/** Applies one mutant to a source text; throws when its pattern is not found exactly `count` times. */
export function applyMutant(text, m) {
  const n = text.split(m.from).length - 1;
  const want = m.count ?? 1;
  if (n !== want) {
    throw new Error(`mutant ${m.id}: "${m.from}" occurs ${n} times in ${m.file}, expected ${want}`);
  }
  return text.split(m.from).join(m.to);
}

function parseArgs(argv) {
  const o = { only: "", full: false, json: false, list: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--only") o.only = argv[++i] ?? "";
    else if (a === "--full") o.full = true;
    else if (a === "--json") o.json = true;
    else if (a === "--list") o.list = true;
    else throw new Error(`unknown option ${a} (--only PREFIX, --full, --json, --list)`);
  }
  return o;
}

/** A scratch copy of the tracked files (and untracked ones not ignored: a test being written counts), with the
 *  repository's node_modules linked in. */
function scratchTree() {
  const dir = mkdtempSync(join(tmpdir(), "pencap-mutate-"));
  const files = spawnSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], { cwd: ROOT, encoding: "utf8" }).stdout.split("\0").filter(Boolean);
  for (const f of files) {
    if (!existsSync(join(ROOT, f))) continue;
    cpSync(join(ROOT, f), join(dir, f), { recursive: false });
  }
  symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"), "dir");
  return dir;
}

function runTests(dir, tests) {
  const args = [join(ROOT, "node_modules/vitest/vitest.mjs"), "run", "--reporter=dot", ...tests];
  const r = spawnSync(process.execPath, args, { cwd: dir, encoding: "utf8", env: { ...process.env, CI: "true" }, maxBuffer: 64 << 20 });
  return { status: r.status ?? 1, out: (r.stdout ?? "") + (r.stderr ?? "") };
}

function main() {
  const o = parseArgs(process.argv.slice(2));
  const prefixes = o.only.split(",");
  const mutants = MUTANTS.filter((m) => prefixes.some((p) => m.id.startsWith(p)));
  if (mutants.length === 0) throw new Error(`no mutant id starts with "${o.only}"`);
  if (o.list) {
    for (const m of mutants) process.stdout.write(`${m.id} [${m.module}] ${m.file}: ${m.bug}\n    ${m.tests.join(" ")}${m.explained ? "\n    explained: " + m.explained : ""}\n`);
    return;
  }
  const started = Date.now();
  const dir = scratchTree();
  const log = (s) => { if (!o.json) process.stdout.write(s); };
  const results = [];
  try {
    // The unmutated tree must pass the same tests, or every "kill" would be meaningless.
    const baseTests = o.full ? [] : [...new Set(mutants.flatMap((m) => m.tests))];
    log(`baseline: ${o.full ? "whole suite" : baseTests.join(" ")} ... `);
    const base = runTests(dir, baseTests);
    if (base.status !== 0) {
      log("FAILED\n");
      process.stderr.write(base.out.slice(-4000));
      process.exitCode = 2;
      return;
    }
    log("passes\n");
    for (const m of mutants) {
      const file = join(dir, m.file);
      const original = readFileSync(file, "utf8");
      let status = "";
      const t0 = Date.now();
      try {
        writeFileSync(file, applyMutant(original, m));
        const r = runTests(dir, o.full ? [] : m.tests);
        status = r.status === 0 ? (m.explained ? "explained" : "survived") : "killed";
      } catch (e) {
        status = "not applied: " + e.message;
      } finally {
        writeFileSync(file, original);
      }
      const seconds = Math.round((Date.now() - t0) / 100) / 10;
      results.push({ id: m.id, module: m.module, status, bug: m.bug, seconds });
      const tag = { killed: "killed   ", survived: "SURVIVED ", explained: "explained" }[status] ?? "ERROR    ";
      log(`${tag} ${m.id} (${seconds} s): ${m.bug}${status.startsWith("not applied") ? " — " + status : ""}${status === "explained" ? "\n          " + m.explained : ""}\n`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const count = (s) => results.filter((r) => r.status === s).length;
  const killed = count("killed");
  const explained = count("explained");
  const survived = count("survived");
  const applied = killed + explained + survived;
  const seconds = Math.round((Date.now() - started) / 1000);
  const byModule = {};
  for (const r of results) {
    const b = (byModule[r.module] ??= { mutants: 0, killed: 0, explained: 0, survived: 0, errors: 0 });
    b.mutants++;
    if (r.status === "killed" || r.status === "explained" || r.status === "survived") b[r.status]++;
    else b.errors++;
  }
  const pct = (n) => (applied ? ((100 * n) / applied).toFixed(1) : "0");
  if (o.json) {
    process.stdout.write(JSON.stringify({ killed, explained, survived, applied, score: applied ? killed / applied : 0, seconds, byModule, results }) + "\n");
  } else {
    log(`\nmutation score: ${killed} of ${applied} killed (${pct(killed)} %); ${explained} explained, ${survived} survived unexplained; ${seconds} s\n`);
    for (const [k, v] of Object.entries(byModule)) {
      log(`  ${k}: ${v.mutants} mutants, ${v.killed} killed, ${v.explained} explained, ${v.survived} survived${v.errors ? `, ${v.errors} not applied` : ""}\n`);
    }
  }
  if (results.some((r) => r.status.startsWith("not applied"))) process.exitCode = 2;
  else if (survived > 0) process.exitCode = 1;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
