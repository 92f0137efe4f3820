// Issue 14, item 7: on-cap signals for a low battery and for insulin out of its temperature range, shown at a
// removal after the blink code and switched by the config's AL_BATTERY / AL_TEMPERATURE bits (docs/config.md).
// Real bundle on the simulated cap board.
import { beforeAll, describe, expect, it } from "vitest";
import { Cap, capLog, firmwareBundle, stranger } from "../e2e/harness.js";
import { watchPins, RED, GREEN, BUZZER, type Pulse } from "./signals.js";

let bundle: string;
beforeAll(async () => {
  bundle = await firmwareBundle();
});

function removal(cap: Cap): Pulse[] {
  const w = watchPins(cap);
  cap.device.setCap(false);
  cap.run(3);
  cap.device.setCap(true);
  cap.run(20);
  w.stop();
  return w.pulses;
}
const long = (ps: Pulse[]) => ps.filter((p) => p.pin === RED && p.off - p.on > 0.9).length;
const both = (ps: Pulse[]) => ps.filter((p) => p.pin === RED && ps.some((q) => q.pin === GREEN && Math.abs(q.on - p.on) < 1e-6)).length;

/** The pairing gesture (5 clicks, docs/protocol.md): switching an alert off needs the cap in hand. */
function gesture(cap: Cap): void {
  for (let i = 0; i < 5; i++) {
    cap.device.setCap(false);
    cap.run(0.4);
    cap.device.setCap(true);
    cap.run(0.6);
  }
  cap.run(20);
}

async function setAlerts(cap: Cap, bits: number): Promise<void> {
  gesture(cap);
  const { client } = stranger(cap, { mtu: 53, bonded: true });
  await cap.settle(client.open());
  const cfg = (await cap.settle(client.readConfig())).bytes.slice();
  cfg[2] = bits;
  expect((await cap.settle(client.writeConfig(cfg))).result).toBe(0);
  await cap.settle(client.close());
  cap.run(1);
}

describe("item 7: care signals at a removal", () => {
  it("battery low: two long red flashes after the blink code, no buzzer; none with AL_BATTERY off", async () => {
    const cap = new Cap(bundle);
    cap.run(60);
    expect(long(removal(cap))).toBe(0);
    cap.device.battery.setVolts(2.4);
    cap.run(4 * 600); // three low readings at the housekeeping ticks
    expect((await capLog(cap)).status.alerts.batteryLow).toBe(true);
    const p = removal(cap);
    expect(long(p)).toBe(2);
    expect(p.filter((x) => x.pin === BUZZER)).toEqual([]);
    const g = p.filter((x) => x.pin === GREEN);
    expect(p.filter((x) => x.pin === RED)[0].on).toBeGreaterThan(g[g.length - 1].off); // after the blink code
    await setAlerts(cap, 15 & ~8);
    expect(long(removal(cap))).toBe(0);
  });

  it("insulin too warm: three red+green flashes at a removal while the excursion lasts; none with AL_TEMPERATURE off", async () => {
    const cap = new Cap(bundle);
    cap.run(60);
    cap.device.temperature = 36;
    cap.run(700); // a temperature sample sees it
    expect((await capLog(cap)).status.alerts.temperature).toBe(true);
    expect(both(removal(cap))).toBe(3);
    await setAlerts(cap, 15 & ~2);
    expect(both(removal(cap))).toBe(0);
    await setAlerts(cap, 15);
    cap.device.temperature = 22;
    cap.run(700);
    expect(both(removal(cap))).toBe(0);
  });
});
