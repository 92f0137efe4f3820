// Issue 14, items 3 and 4: the double-dose warning through the real bundle on the simulated cap board. A look at
// the pen gets the quiet cue (red, no buzzer); a removal long enough to be an injection attempt inside the window
// gets the alarm (buzzer) before a dose can be pressed in; an air shot recapped and followed by the injection
// minutes later is never told as a dose (no alarm), and a second injection right after one is never silent.
import { beforeAll, describe, expect, it } from "vitest";
import { Cap, capLog, firmwareBundle, stranger, TYPE } from "../e2e/harness.js";
import { buzzCount, redCount, watchPins, BUZZER } from "./signals.js";

const F_PRIMING = 0x02;

let bundle: string;
beforeAll(async () => {
  bundle = await firmwareBundle();
});

/** Signals during one removal of `offS` seconds `afterS` seconds from now. */
function removal(cap: Cap, afterS: number, offS: number) {
  cap.run(afterS);
  const w = watchPins(cap);
  const t0 = cap.clock.now();
  cap.device.setCap(false);
  cap.run(offS);
  cap.device.setCap(true);
  cap.run(15);
  w.stop();
  const firstBuzz = w.pulses.filter((p) => p.pin === BUZZER).map((p) => p.on - t0)[0];
  return { red: redCount(w.pulses), buzz: buzzCount(w.pulses), firstBuzz };
}

describe("item 3: a look is not an injection", () => {
  it("a 2 s look 30 min after a dose: the quiet cue, no buzzer", () => {
    const cap = new Cap(bundle);
    cap.run(60);
    cap.dose(20, 10);
    const r = removal(cap, 1800, 2);
    expect(r.red).toBe(5);
    expect(r.buzz).toBe(0);
  });

  it("a second injection 1 h after a dose: the alarm sounds within 6 s of the removal, before the dose", () => {
    const cap = new Cap(bundle);
    cap.run(60);
    cap.dose(20, 10);
    const r = removal(cap, 3600, 25);
    expect(r.buzz).toBe(5);
    expect(r.firstBuzz).toBeGreaterThanOrEqual(4);
    expect(r.firstBuzz).toBeLessThan(6);
  });

  it("the config's double-dose switch (AL_DOUBLE_DOSE off) silences both", async () => {
    const cap = new Cap(bundle);
    cap.run(60);
    const { client } = stranger(cap, { mtu: 53, bonded: true });
    await cap.settle(client.open());
    const cfg = (await cap.settle(client.readConfig())).bytes.slice();
    cfg[2] &= ~4; // alerts byte: AL_DOUBLE_DOSE off (docs/config.md)
    expect((await cap.settle(client.writeConfig(cfg))).result).toBe(0);
    await cap.settle(client.close());
    cap.run(1);
    cap.dose(20, 10);
    const r = removal(cap, 3600, 25);
    expect(r.red + r.buzz).toBe(0);
  });
});

describe("item 4: prime / inject pairs and double doses are told apart", () => {
  for (const gapMin of [4, 6]) {
    it(`air shot, recap, injection ${gapMin} min later: no alarm; the injection's record flags the pair`, async () => {
      const cap = new Cap(bundle);
      cap.run(60);
      cap.dose(10, 5); // the air shot
      const r = removal(cap, gapMin * 60 - 5, 25);
      expect(r.buzz).toBe(0);
      expect(r.red).toBe(5); // the pen was used minutes ago: the quiet cue
      const s = await capLog(cap);
      const d = s.records.filter((x) => x.type === TYPE.DOSE);
      expect(d.map((x) => x.flags & F_PRIMING)).toEqual([0, F_PRIMING]);
    });
  }

  it("a second injection 60 s after one: the quiet cue at the removal (not silent), the pair flagged", async () => {
    const cap = new Cap(bundle);
    cap.run(60);
    cap.dose(25, 5);
    const r = removal(cap, 55, 25);
    expect(r.red).toBe(5);
    const s = await capLog(cap);
    expect(s.records.filter((x) => x.type === TYPE.DOSE).map((x) => x.flags & F_PRIMING)).toEqual([0, F_PRIMING]);
  });

  it("a second injection 11 min after one: outside the pair window, the alarm", () => {
    const cap = new Cap(bundle);
    cap.run(60);
    cap.dose(25, 5);
    expect(removal(cap, 11 * 60, 25).buzz).toBe(5);
  });
});

describe("detection follows the clock the app sets (main.ts passes the shift, the detector moves its last dose)", () => {
  it("a dose before the first sync, a second injection 40 min after it: the alarm", async () => {
    const cap = new Cap(bundle);
    cap.run(60);
    cap.dose(20, 10); // relative clock
    cap.run(600);
    await cap.appSync(); // the clock jumps by ~56 years
    const r = removal(cap, 1800, 25);
    expect(r.buzz).toBe(5);
  });
});
