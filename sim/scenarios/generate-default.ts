// Generates sim/scenarios/default.json: two weeks of a patient on multiple daily injections.
// Run once (npx tsx sim/scenarios/generate-default.ts) and commit the JSON; the scenario is data.
import { writeFileSync } from "node:fs";
import { Prng } from "../prng.js";
import type { Scenario, ScenarioEvent } from "../scenario.js";

const SEED = 20260302;
const rng = new Prng(SEED);
const DAY = 86400;
const events: ScenarioEvent[] = [];
const at = (t: number) => Math.round(t * 1000) / 1000;
const hm = (h: number, m: number) => h * 3600 + m * 60;
const jitter = (minutes: number) => rng.gauss() * minutes * 60;

function injection(t: number, note: string, opts: { priming?: boolean; leftOffSeconds?: number } = {}): number {
  if (opts.priming) {
    // An air shot: a short separate session, then the real injection a little later.
    const prime = rng.range(6, 12);
    events.push({ t: at(t), type: "capOff", label: "priming", note: "priming shot" });
    events.push({ t: at(t + prime), type: "capOn" });
    t += prime + rng.range(20, 60);
  }
  const len = opts.leftOffSeconds ?? rng.range(18, 55);
  const bounce = rng.next() < 0.25;
  events.push({ t: at(t), type: "capOff", label: "injection", note, ...(bounce ? { bounces: 2, bounceMs: 8 } : {}) });
  events.push({ t: at(t + len), type: "capOn", ...(rng.next() < 0.25 ? { bounces: 2, bounceMs: 6 } : {}) });
  return t + len;
}

events.push({ t: 0, type: "log", text: "new cap, fresh CR2032, cap on the pen" });
events.push({ t: 0, type: "temperature", celsius: 22 });
for (let d = 0; d < 14; d++) {
  const base = d * DAY;
  const weekend = d % 7 >= 5;
  const meals: Array<[number, number, string]> = [
    [hm(weekend ? 8 : 7, 20), 25, "breakfast bolus"],
    [hm(12, 40), 40, "lunch bolus"],
    [hm(19, 10), 45, "dinner bolus"],
    [hm(22, 15), 15, "basal"],
  ];
  let lastEnd = base;
  for (const [time, spread, note] of meals) {
    let t = Math.max(lastEnd + 600, base + time + jitter(spread / 2));
    if (d === 4 && note === "lunch bolus") {
      // The cap left off the pen for an hour after the lunch injection.
      lastEnd = injection(t, note + " (cap then left off for an hour)", { leftOffSeconds: 3600 + rng.range(0, 300) });
      continue;
    }
    const priming = note !== "basal" && rng.next() < 0.3;
    lastEnd = injection(t, note, { priming });
    if (d === 2 && note === "lunch bolus") {
      // A real double dose: 50 minutes after lunch the patient, unsure whether they injected, injects again —
      // inside the rapid-insulin window (2 h, docs/detection.md), so the cap warns at the removal. Fixed
      // times, no draw from the generator, so every other event stays as it was.
      const again = lastEnd + 50 * 60;
      events.push({ t: at(again), type: "capOff", label: "injection", note: "lunch bolus again: a double dose 50 min after the first" });
      events.push({ t: at(again + 30), type: "capOn" });
      lastEnd = again + 30;
    }
    if (note === "breakfast bolus" && rng.next() < 0.3) {
      // A cap check: the patient pulls the cap off briefly to look at the pen.
      t = lastEnd + rng.range(1800, 3600);
      events.push({ t: at(t), type: "capOff", label: "check", note: "cap check" });
      events.push({ t: at(t + rng.range(1, 3)), type: "capOn" });
      lastEnd = t + 3;
    }
  }
  // A hot afternoon on day 9: the pen in a bag in a car.
  if (d === 8) {
    const h = [24, 29, 34, 38, 37, 33, 27, 23];
    h.forEach((c, i) => events.push({ t: base + hm(13, 30) + i * 1800, type: "temperature", celsius: c, ...(i === 0 ? { note: "hot afternoon" } : {}) }));
  }
  // The nightly sync with the companion app; on day 10 the link drops mid-sync and the app retries later.
  const syncT = base + hm(22, 45) + jitter(10);
  events.push({ t: at(syncT), type: "appConnect", mtu: 53, bonded: true, note: "nightly sync" });
  if (d === 9) {
    events.push({ t: at(syncT + 2), type: "appSync", dropAfterRecords: 3, note: "the phone goes out of range mid-sync" });
    events.push({ t: at(syncT + 900), type: "appConnect", mtu: 53, bonded: true, note: "the app reconnects" });
    events.push({ t: at(syncT + 902), type: "appSync" });
    events.push({ t: at(syncT + 960), type: "appDisconnect" });
  } else {
    events.push({ t: at(syncT + 2), type: "appSync" });
    events.push({ t: at(syncT + 60), type: "appDisconnect" });
  }
}
// Battery swap in the middle of a flash write: on day 7 the next dose record's third word write loses power,
// and a fresh cell goes in 40 s later.
const swapT = 6 * DAY + hm(11, 0);
events.push({ t: swapT, type: "powerCut", atWrite: 3, restoreAfter: 40, newBattery: true, note: "battery swap during the next flash write" });
events.push({ t: 6 * DAY + hm(10, 0), type: "battery", soc: 0.12, note: "the old cell is nearly empty" });
events.sort((a, b) => (a.t as number) - (b.t as number));

const scenario: Scenario = {
  name: "default: two weeks of a patient",
  description:
    "Four injections a day at realistic times with jitter, priming shots, cap checks, a double dose (a second lunch bolus 50 min after the first), a cap left off for an hour, a hot afternoon, a battery swap during a flash write, a nightly sync, one dropped mid-way. Generated by sim/scenarios/generate-default.ts (seed " +
    SEED +
    ").",
  seed: SEED,
  board: "PENCAP",
  start: "2026-03-02T00:00:00Z",
  capOn: true,
  injection: { minSeconds: 5, maxSeconds: 600 },
  duration: "14d",
  events,
};
writeFileSync(new URL("./default.json", import.meta.url), JSON.stringify(scenario, null, 1) + "\n");
console.log(`wrote default.json: ${events.length} events`);
