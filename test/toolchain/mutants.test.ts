// The listed mutants of `npm run mutate` (scripts/mutate/mutants.mjs) still apply to the current source: each
// pattern occurs exactly as often as its entry says, so the list cannot silently rot when the firmware changes.
// No mutant is run here (that takes minutes: `npm run mutate`, docs/benchmarks.md §7).
import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { MUTANTS } from "../../scripts/mutate/mutants.mjs";
import { applyMutant } from "../../scripts/mutate/run.mjs";

type Mutant = { id: string; module: string; file: string; from: string; to: string; count?: number; bug: string; tests: string[]; explained?: string };
const mutants = MUTANTS as Mutant[];

describe("mutation list (scripts/mutate/mutants.mjs)", () => {
  it("ids are unique, each names its module, and every module of the safety set is covered", () => {
    const ids = mutants.map((m) => m.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const m of mutants) expect(m.id.startsWith(m.module + "-"), m.id).toBe(true);
    expect([...new Set(mutants.map((m) => m.module))].sort()).toEqual(["detect", "log", "power", "security"]);
  });

  it.each(mutants.map((m) => [m.id, m] as const))("%s applies to the current source and names existing tests", (_id, m) => {
    const text = readFileSync(m.file, "utf8");
    expect(text.split(m.from).length - 1, `"${m.from}" in ${m.file}`).toBe(m.count ?? 1);
    const mutated = applyMutant(text, m);
    expect(mutated).not.toBe(text);
    expect(m.tests.length).toBeGreaterThan(0);
    for (const t of m.tests) expect(existsSync(t), t).toBe(true);
    expect(m.bug.length).toBeGreaterThan(0);
  });
});
