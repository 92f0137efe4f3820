// Review: a cap whose boot cannot open a dose log (no free flash pages, and with the bundle installed no room in
// Storage for the fallback file, docs/benchmarks.md §2) records nothing. Before, it only printed "pencap: FATAL"
// on a console nobody reads, and looked like a working cap. It now shows the fault pattern
// (docs/detection.md, "A cap that cannot record").
import { beforeAll, describe, expect, it } from "vitest";
import { SimDevice } from "../../sim/device.js";
import { CapRadio } from "../../sim/integration.js";
import { Cap, firmwareBundle } from "../e2e/harness.js";

interface PinEvent {
  t: number;
  pin: string;
  on: boolean;
}
function pinEvents(d: SimDevice): PinEvent[] {
  const ev: PinEvent[] = [];
  d.onActivity((t, a) => {
    if (a.kind === "pin") ev.push({ t, pin: a.pin, on: a.on });
  });
  return ev;
}
const ons = (ev: PinEvent[], pin: string) => ev.filter((e) => e.pin === pin && e.on);

describe("review: a cap with no dose log shows that it is not recording", () => {
  let bundle: string;
  beforeAll(async () => {
    bundle = await firmwareBundle();
  });

  it("no free flash pages: FATAL, 8 fast red flashes with 8 beeps at once, then the red LED alone every minute", () => {
    const d = new SimDevice({ board: "MDBT42Q", freePages: 0, seed: 1, bundle, installBundle: true, nrf: new CapRadio().factory });
    const ev = pinEvents(d);
    d.setCap(true);
    d.powerOn();
    d.clock.advance(5);
    expect(d.output.map((l) => l.text).join("\n")).toMatch(/pencap: FATAL .*Unable to find or create file/);
    // LED2 is the cap's red LED (D2); the green LED (D3) and a working cap's patterns play nothing here
    expect(ons(ev, "LED2")).toHaveLength(8);
    expect(ons(ev, "BUZZER")).toHaveLength(8);
    expect(ev.filter((e) => e.pin !== "LED2" && e.pin !== "BUZZER")).toEqual([]);
    // 50 ms on, 100 ms off: unlike the double-dose warning (100/100) and the left-off alert (600/400)
    const red = ev.filter((e) => e.pin === "LED2");
    expect(red[1].t - red[0].t).toBeCloseTo(0.05, 3);
    expect(red[2].t - red[1].t).toBeCloseTo(0.1, 3);
    d.clock.advance(3 * 60);
    expect(ons(ev, "LED2")).toHaveLength(8 * 4);
    expect(ons(ev, "BUZZER")).toHaveLength(8); // beeps only the first time
    expect(d.outputLevel("D2")).toBe(false); // between patterns the LED is off
    // and nothing is recorded: there is no log to append to
    expect(d.output.some((l) => l.text.startsWith("pencap: boot on"))).toBe(false);
  });

  it("control: a cap that opened its log plays nothing while the cap stays on", () => {
    const cap = new Cap(bundle);
    const ev = pinEvents(cap.device);
    cap.run(3 * 60 + 5);
    expect(cap.device.output.some((l) => l.text.startsWith("pencap: boot on PENCAP"))).toBe(true);
    expect(ev).toEqual([]);
  });
});
