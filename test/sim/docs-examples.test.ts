// Every example in docs/scenarios.md must be valid as written: the file header example as a whole scenario,
// and every one-event example line as an event.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { runScenario } from "../../sim/runner.js";
import { EVENT_TYPES, validateScenario } from "../../sim/scenario.js";

const doc = readFileSync("docs/scenarios.md", "utf8");
const blocks = [...doc.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => m[1]);

describe("docs/scenarios.md examples", () => {
  it("the example file is a valid scenario", () => {
    const file = blocks.find((b) => b.includes('"events"') && b.includes('"name": "a morning"'))!;
    expect(() => validateScenario(JSON.parse(file), "docs example")).not.toThrow();
  });

  it("every event type has at least one example and every example line validates", () => {
    const lines = blocks.flatMap((b) => b.split("\n")).filter((l) => /^\{ "t"/.test(l.trim()));
    const seen = new Set<string>();
    for (const line of lines) {
      const ev = JSON.parse(line.trim().replace(/,$/, ""));
      seen.add(ev.type);
      expect(() => validateScenario({ name: "x", events: [ev] }, line)).not.toThrow();
    }
    expect([...seen].sort()).toEqual([...EVENT_TYPES].sort());
  });

  it("the example file runs (without an app) and its one labelled injection is a true dose", async () => {
    const file = blocks.find((b) => b.includes('"name": "a morning"'))!;
    const sum = await runScenario(validateScenario(JSON.parse(file)), { bundle: "", onMissingApp: "skip" });
    expect(sum.doses.true).toBe(1);
    expect(sum.simulatedDays).toBe(1);
  });

  it("the summary example has the fields the runner produces", async () => {
    const ex = JSON.parse(blocks.find((b) => b.includes('"doses"'))!);
    const file = blocks.find((b) => b.includes('"name": "a morning"'))!;
    const sum = await runScenario(validateScenario(JSON.parse(file)), { bundle: "", onMissingApp: "skip" });
    const keysOf = (o: Record<string, unknown>) => ({ top: Object.keys(o).sort(), records: Object.keys(o.records as object).sort() });
    expect(keysOf(ex)).toEqual(keysOf(sum as unknown as Record<string, unknown>));
  });
});
