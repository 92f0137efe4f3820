// The timeline's LED/buzzer lines: what a person sees, recognised from pin activity alone.
import { describe, expect, it } from "vitest";
import { blinkMeaning, PinPatterns, signalKind } from "../../sim/runner.js";

type Change = [t: number, pin: string, on: boolean];

/** n pulses of the given outputs: on for onS, off for offS, from t0 (as firmware/hw/indicator.ts plays them). */
function pulses(t0: number, pins: string[], n: number, onS: number, offS: number): Change[] {
  const out: Change[] = [];
  for (let i = 0; i < n; i++) {
    const t = t0 + i * (onS + offS);
    for (const p of pins) out.push([t, p, true]);
    for (const p of pins) out.push([t + onS, p, false]);
  }
  return out;
}

function play(board: string, changes: Change[]): Array<{ t: number; text: string }> {
  const lines: Array<{ t: number; text: string }> = [];
  const pp = new PinPatterns((t, text) => lines.push({ t, text }), () => board);
  for (const [t, pin, on] of changes) pp.add(t, pin, on);
  pp.flush(Infinity);
  return lines;
}
const texts = (board: string, changes: Change[]) => play(board, changes).map((l) => l.text);

// MDBT42Q cap (sim labels): LED2 = D2 red, LED3 = D3 green, BUZZER = D4. Puck.js: LED1 red, LED2 green, LED3 blue.
describe("PinPatterns: documented signals", () => {
  it.each([1, 2, 3, 4, 5, 6, 7, 8])("n short green blinks (200/300 ms) are blink code %i", (n) => {
    expect(texts("MDBT42Q", pulses(100, ["LED3"], n, 0.2, 0.3))).toEqual([`blink code ${n} (${blinkMeaning(n)})`]);
  });

  it("says what the blink code means", () => {
    expect(blinkMeaning(1)).toBe("last dose less than 1 h ago");
    expect(blinkMeaning(4)).toBe("last dose 3–4 h ago");
    expect(blinkMeaning(8)).toBe("last dose 7 h or more ago");
  });

  it("one long green blink is 'no dose known'", () => {
    expect(texts("MDBT42Q", pulses(5, ["LED3"], 1, 1.0, 0.3))).toEqual(["blink code: one long green blink (no dose known since boot)"]);
  });

  it("5 fast red flashes with beeps, then the blink code, are two lines at their own times", () => {
    const warn = pulses(50, ["LED2", "BUZZER"], 5, 0.1, 0.1);
    const blink = pulses(51, ["LED3"], 1, 0.2, 0.3);
    expect(play("MDBT42Q", [...warn, ...blink])).toEqual([
      { t: 50, text: "DOUBLE-DOSE WARNING (red + buzzer ×5)" },
      { t: 51, text: "blink code 1 (last dose less than 1 h ago)" },
    ]);
  });

  it("3 long red flashes with beeps are the cap-left-off alert", () => {
    expect(texts("MDBT42Q", pulses(600, ["BUZZER", "LED2"], 3, 0.6, 0.4))).toEqual(["CAP LEFT OFF alert (red + buzzer ×3)"]);
  });

  // firmware/hw/indicator.ts timings: the fault 50/100 ms ×8, battery low 1000/500 ms ×2, temperature 300/300 ms ×3
  it.each([
    [["LED2"], 5, 0.1, 0.1, "DOUBLE-DOSE WARNING (red ×5, no buzzer)", "double-dose cue"],
    [["LED2", "BUZZER"], 5, 0.1, 0.1, "DOUBLE-DOSE WARNING (red + buzzer ×5)", "double-dose warning"],
    [["LED2", "BUZZER"], 8, 0.05, 0.1, "FAULT: not recording (red + buzzer ×8)", "fault pattern"],
    [["LED2"], 8, 0.05, 0.1, "FAULT: not recording (red ×8, no buzzer)", "fault pattern"],
    [["LED2"], 2, 1.0, 0.5, "BATTERY LOW signal (2 long red flashes)", "battery-low signal"],
    [["LED2", "LED3"], 3, 0.3, 0.3, "INSULIN TEMPERATURE signal (red + green ×3)", "temperature signal"],
  ] as const)("%j ×%i (%f/%f s) prints as %s, counted as %s", (pins, n, on, off, text, kind) => {
    const t = texts("MDBT42Q", pulses(100, [...pins], n, on, off));
    expect(t).toEqual([text]);
    expect(signalKind(t[0])).toBe(kind);
  });

  it("recognises a few ms of callback time in the pulse lengths", () => {
    const jittered = pulses(10, ["LED3"], 4, 0.2, 0.3).map(([t, p, on], i): Change => [t + i * 0.003, p, on]);
    expect(texts("MDBT42Q", jittered)).toEqual(["blink code 4 (last dose 3–4 h ago)"]);
  });

  it("names the Puck.js LEDs (no buzzer there)", () => {
    expect(texts("PUCKJS", pulses(0, ["LED2"], 3, 0.2, 0.3))).toEqual(["blink code 3 (last dose 2–3 h ago)"]);
    expect(texts("PUCKJS", pulses(0, ["LED1"], 5, 0.1, 0.1))).toEqual(["DOUBLE-DOSE WARNING (red ×5, no buzzer)"]);
    expect(texts("PUCKJS", pulses(0, ["LED1"], 3, 0.6, 0.4))).toEqual(["CAP LEFT OFF alert (red ×3, no buzzer)"]);
    expect(texts("PUCKJS", pulses(0, ["LED3"], 2, 0.2, 0.3))).toEqual(["blue LED (LED3) ×2 (on 0.40 s)"]);
  });

  it("separate bursts (more than 1.5 s apart) are separate lines", () => {
    expect(texts("MDBT42Q", [...pulses(0, ["LED3"], 2, 0.2, 0.3), ...pulses(10, ["LED3"], 3, 0.2, 0.3)])).toEqual([
      "blink code 2 (last dose 1–2 h ago)",
      "blink code 3 (last dose 2–3 h ago)",
    ]);
  });
});

describe("PinPatterns: anything else prints raw, with the outputs' names", () => {
  it.each<[string, string, Change[], string[]]>([
    ["4 red flashes with beeps (a warning cut short)", "MDBT42Q", pulses(0, ["LED2", "BUZZER"], 4, 0.1, 0.1), ["red LED (D2) ×4 (on 0.40 s), buzzer (D4) ×4 (on 0.40 s)"]],
    ["9 green blinks", "MDBT42Q", pulses(0, ["LED3"], 9, 0.2, 0.3), ["green LED (D3) ×9 (on 1.80 s)"]],
    ["red flashes without the buzzer's timing", "MDBT42Q", [[0, "LED2", true], [0, "BUZZER", true], [0.1, "BUZZER", false], [0.6, "LED2", false]], ["buzzer (D4) ×1 (on 0.10 s)", "red LED (D2) ×1 (on 0.60 s)"]],
    ["green at the warning's speed", "MDBT42Q", pulses(0, ["LED3"], 5, 0.1, 0.1), ["green LED (D3) ×5 (on 0.50 s)"]],
    ["an output the cap does not use", "MDBT42Q", pulses(0, ["LED1"], 1, 0.1, 0.1), ["LED1 ×1 (on 0.10 s)"]],
    ["a pin left on", "MDBT42Q", [[3, "LED2", true]], ["red LED (D2) on (still on)"]],
  ])("%s", (_what, board, changes, expected) => {
    expect(texts(board, changes)).toEqual(expected);
  });

  it("waits while a pattern plays and reports it once it is over", () => {
    const lines: string[] = [];
    const pp = new PinPatterns((_t, text) => lines.push(text), () => "MDBT42Q");
    for (const [t, pin, on] of pulses(0, ["LED3"], 2, 0.2, 0.3)) pp.add(t, pin, on);
    pp.flush(0.8);
    expect(lines).toEqual([]);
    expect(pp.openSince()).toBe(0);
    pp.flush(3);
    expect(lines).toEqual(["blink code 2 (last dose 1–2 h ago)"]);
    expect(pp.openSince()).toBe(Infinity);
  });
});
