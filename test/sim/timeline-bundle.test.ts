// Through the real bundle: the double-dose warning, the cap-left-off alert and the blink codes show in the
// timeline as what a person sees (issue 5), recognised from the simulated pins alone.
import { beforeAll, describe, expect, it } from "vitest";
import { firmwareBundle, runWithIntegration } from "../scenarios-from-docs/bundle.js";

let bundle = "";
beforeAll(async () => {
  bundle = await firmwareBundle();
});

const day = {
  name: "a double dose and a cap left off",
  seed: 2,
  board: "PENCAP",
  start: "2026-03-02T00:00:00Z",
  duration: "1d",
  events: [
    { t: "08:00", type: "capOff", label: "injection", note: "breakfast bolus" },
    { t: "08:00:40", type: "capOn" },
    { t: "08:45", type: "capOff", label: "injection", note: "forgot the first one: a second bolus 45 min later" },
    { t: "08:45:30", type: "capOn" },
    { t: "13:00", type: "capOff", label: "leftOff", note: "lunch: the cap stays off for 15 minutes" },
    { t: "13:15", type: "capOn" },
  ],
};

describe("timeline through the bundle", () => {
  it("shows the blink codes, the double-dose warning and the cap-left-off alert at their times", async () => {
    const { timeline, summary } = await runWithIntegration(day, bundle, "double-dose-and-left-off.json");
    const pins = timeline.filter((e) => e.kind === "pins").map((e) => ({ t: Math.round(e.t), text: e.text }));
    expect(pins).toEqual([
      { t: 8 * 3600, text: "blink code: one long green blink (no dose known since boot)" },
      // the removal's quiet cue (docs/detection.md, "Double-dose warning")
      { t: 8 * 3600 + 45 * 60, text: "DOUBLE-DOSE WARNING (red ×5, no buzzer)" },
      // after the cue's 5 flashes (0.9 s) and the 1 s gap between patterns (docs/detection.md)
      { t: 8 * 3600 + 45 * 60 + 2, text: "blink code 1 (last dose less than 1 h ago)" },
      // still off 4 s after the removal: an injection attempt, the alarm
      { t: 8 * 3600 + 45 * 60 + 4, text: "DOUBLE-DOSE WARNING (red + buzzer ×5)" },
      // 13:00 is 4 h 14 min after the second dose ended: 4-5 h
      { t: 13 * 3600, text: "blink code 5 (last dose 4–5 h ago)" },
      // the alert comes leftOffS = 600 s after the removal (docs/detection.md)
      { t: 13 * 3600 + 600, text: "CAP LEFT OFF alert (red + buzzer ×3)" },
    ]);
    expect(summary.errors).toEqual([]);
    // The lines keep their place among the scenario's events.
    const order = timeline.map((e) => e.text);
    expect(order.indexOf("DOUBLE-DOSE WARNING (red + buzzer ×5)")).toBeGreaterThan(order.findIndex((s) => s.includes("a second bolus")));
    expect(order.indexOf("CAP LEFT OFF alert (red + buzzer ×3)")).toBeLessThan(order.lastIndexOf("capOn"));
  });
});
