// Review: the pairing gesture (5 removals within 6 s, docs/protocol.md §6) compares removal times taken before and
// after a Device Time write. Setting the clock back made four old removals look recent: one more removal opened
// the pairing window for any phone nearby. main.ts must measure the gesture in the same time base.
import { beforeAll, describe, expect, it } from "vitest";
import { attempt, Cap, firmwareBundle, stranger, UUID } from "../e2e/harness.js";

async function tryPair(cap: Cap) {
  const { central } = stranger(cap, { mtu: 23 });
  await cap.settle(central.connect({ mtu: 23, bonded: false }));
  const r = await attempt(cap, central.pair({}));
  await attempt(cap, central.disconnect());
  cap.run(2);
  return r.ok && (r.value as { bonded: boolean }).bonded;
}

function clicks(cap: Cap, n: number, gapS = 1) {
  for (let i = 0; i < n; i++) {
    cap.device.setCap(false);
    cap.run(gapS / 2);
    cap.device.setCap(true);
    cap.run(gapS / 2);
  }
}

async function setCapClock(cap: Cap, unix: number) {
  const { client } = stranger(cap, { mtu: 23, bonded: true });
  await cap.settle(client.open());
  const res = await cap.settle(client.setTime(unix));
  await cap.settle(client.close());
  return res;
}

describe("review: pairing gesture across a clock change", () => {
  let bundle: string;
  beforeAll(async () => {
    bundle = await firmwareBundle();
  });

  it("4 removals, the clock set back 60 s, 1 removal 30 s later: no pairing window", async () => {
    const cap = new Cap(bundle);
    cap.run(400); // the power-on window (180 s) is over
    await cap.appSync(); // clock set to Unix time
    cap.run(60);
    clicks(cap, 4);
    expect(await setCapClock(cap, Math.floor(cap.capTime()) - 60)).toBe(0);
    cap.run(30);
    clicks(cap, 1);
    cap.run(2);
    expect(await tryPair(cap)).toBe(false);
  });

  it("control: 5 quick removals after a clock change still open it", async () => {
    const cap = new Cap(bundle);
    cap.run(400);
    await cap.appSync();
    expect(await setCapClock(cap, Math.floor(cap.capTime()) - 60)).toBe(0);
    cap.run(10);
    clicks(cap, 5);
    cap.run(2);
    expect(await tryPair(cap)).toBe(true);
  });
});
