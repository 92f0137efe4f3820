// Double-dose signals per scenario (issue 14, item 3): how many removals got the quiet cue (red ×5, no buzzer)
// and how many the alarm (red + buzzer ×5), by what the patient was really doing (the scenario's label of the
// session, or its length when unlabelled). Runs the bundle in the simulator (sim/runner.ts) with no app.
//
//   npx tsx bench/warnings.ts [--bundle dist/firmware.js] [scenario.json ...]
//
// Without files: sim/scenarios/default.json, the scenarios of test/scenarios-from-docs, and "year": a year of a
// typical patient generated here (seed 14): three meal boluses a day, 0-3 looks at the pen a day (1-3 s, many
// within 2 h of a dose), a prime-recap-inject pair every ~10 days (recap 30 s to 6 min), a real second bolus for
// the same meal twice a year.
import { readFileSync, readdirSync } from "node:fs";
import { runScenario } from "../sim/runner.js";
import { validateScenario, type ResolvedScenario, type ScenarioEvent } from "../sim/scenario.js";
import { Prng } from "../sim/prng.js";

function typicalYear(): ResolvedScenario {
  const rng = new Prng(14);
  const ev: ScenarioEvent[] = [{ t: 0, type: "temperature", celsius: 22 }];
  const session = (t: number, len: number, label: "injection" | "priming" | "check", note: string) => {
    ev.push({ t: Math.round(t * 1000) / 1000, type: "capOff", label, note });
    ev.push({ t: Math.round((t + len) * 1000) / 1000, type: "capOn" });
  };
  let secondBoluses = 0;
  for (let d = 0; d < 365; d++) {
    const base = d * 86400;
    for (const [h, note] of [[7.5, "breakfast"], [12.7, "lunch"], [19.2, "dinner"]] as Array<[number, string]>) {
      let t = base + h * 3600 + rng.gauss() * 1200;
      if (rng.next() < 0.1) {
        session(t, rng.range(8, 15), "priming", "air shot, recap");
        t += 15 + (rng.next() < 0.5 ? rng.range(30, 90) : rng.range(240, 360));
      }
      session(t, rng.range(12, 40), "injection", note);
      if (d % 180 === 90 && note === "lunch") {
        session(t + 50 * 60, 25, "injection", "second bolus for the same meal (true double dose)");
        secondBoluses++;
      }
      // looks at the pen: is it there, how much is left
      const looks = Math.floor(rng.range(0, 1.4));
      for (let i = 0; i < looks; i++) session(t + rng.range(600, 3 * 3600), rng.range(1, 3), "check", "a look");
    }
  }
  ev.sort((a, b) => (a.t as number) - (b.t as number));
  // drop sessions that overlap (a look drawn inside an injection)
  const clean: ScenarioEvent[] = [];
  let open = false;
  let lastT = -1;
  for (const e of ev) {
    if ((e.t as number) <= lastT + 1) continue;
    if (e.type === "capOff") {
      if (open) continue;
      open = true;
    } else if (e.type === "capOn") {
      if (!open) continue;
      open = false;
    }
    clean.push(e);
    lastT = e.t as number;
  }
  void secondBoluses;
  return validateScenario({ name: "year: a typical patient (bench/warnings.ts)", seed: 14, board: "MDBT42Q", duration: "365d", events: clean }, "year");
}

interface Counts {
  cue: Record<string, number>;
  alarm: Record<string, number>;
}

async function count(sc: ResolvedScenario, bundle: string): Promise<Counts> {
  const offs = sc.events.filter((e) => e.type === "capOff" || e.type === "capOn");
  const label = (t: number): string => {
    let off: (typeof offs)[number] | undefined;
    let on: number | undefined;
    for (let i = 0; i < offs.length; i++) {
      if (offs[i].t > t) break;
      if (offs[i].type === "capOff") {
        off = offs[i];
        on = offs[i + 1]?.type === "capOn" ? offs[i + 1].t : undefined;
      }
    }
    if (!off) return "?";
    const l = (off as { label?: string }).label;
    if (l) return l;
    const len = (on ?? Infinity) - off.t;
    return len < 5 ? "check" : len <= 600 ? "injection" : "leftOff";
  };
  const c: Counts = { cue: {}, alarm: {} };
  await runScenario(sc, {
    bundle,
    app: null,
    onMissingApp: "skip",
    hangGuardMs: 0,
    onTimeline: (e) => {
      if (e.kind !== "pins" || !e.text.includes("DOUBLE-DOSE")) return;
      const k = e.text.includes("buzzer ×") ? c.alarm : c.cue;
      const l = label(e.t);
      k[l] = (k[l] ?? 0) + 1;
    },
  });
  return c;
}

const args = process.argv.slice(2);
let bundlePath = "dist/firmware.js";
const bi = args.indexOf("--bundle");
if (bi >= 0) {
  bundlePath = args[bi + 1];
  args.splice(bi, 2);
}
const bundle = readFileSync(bundlePath, "utf8");
const scenarios: ResolvedScenario[] = [];
if (args.length) for (const f of args) scenarios.push(validateScenario(JSON.parse(readFileSync(f, "utf8")), f));
else {
  scenarios.push(validateScenario(JSON.parse(readFileSync("sim/scenarios/default.json", "utf8")), "default.json"));
  for (const f of readdirSync("test/scenarios-from-docs").filter((x) => x.endsWith(".json") && !x.includes("expected"))) {
    scenarios.push(validateScenario(JSON.parse(readFileSync("test/scenarios-from-docs/" + f, "utf8")), f));
  }
  scenarios.push(typicalYear());
}
const fmt = (r: Record<string, number>) => Object.entries(r).sort().map(([k, v]) => `${k} ${v}`).join(", ") || "none";
for (const sc of scenarios) {
  const c = await count(sc, bundle);
  console.log(`${sc.name}\n  quiet cue (red, no buzzer): ${fmt(c.cue)}\n  alarm (red + buzzer):       ${fmt(c.alarm)}`);
}
