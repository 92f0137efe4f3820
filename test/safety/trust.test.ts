// Trust on the BLE link through the real bundle (firmware/hw/ble.ts syncSecurity and its tick): records go only
// to an encrypted AND bonded link, and a report stops when the link stops being trusted. Kills the mutants
// "trusted = encrypted without bonded" and "a report that keeps streaming after trust is lost" (issue 14).
// The simulated SoftDevice always bonds when the cap pairs (setSecurity bond: true), so the two link states
// below are set on the simulated link directly: a central that paired with Bonding_Flags "No Bonding" (Core
// v5.3 Vol 3 Part H 3.5.1: encrypted, no bond), and a link whose bond the cap dropped mid-transfer.
import { beforeAll, describe, expect, it } from "vitest";
import { attempt, Cap, firmwareBundle, stranger, UUID } from "../e2e/harness.js";

const hex = (s: string) => Uint8Array.from(s.split(" ").map((h) => parseInt(h, 16)));

let bundle: string;
beforeAll(async () => {
  bundle = await firmwareBundle();
});

describe("records only on a trusted link", () => {
  it("encrypted without a bond: RACP not acted on, no record notified", async () => {
    const cap = new Cap(bundle);
    cap.run(60);
    cap.dose(20);
    cap.run(3 * 86400); // the pairing window is long closed
    const { central } = stranger(cap, { mtu: 53 });
    await cap.settle(central.connect({ mtu: 53, bonded: false }));
    const link = (central as any).link;
    link.encrypted = true; // paired without bonding
    link.bonded = false;
    const got: Uint8Array[] = [];
    await attempt(cap, central.subscribe(UUID.SERVICE, UUID.RECORDS, (d) => got.push(d)));
    await attempt(cap, central.subscribe(UUID.SERVICE, UUID.RACP, () => {}));
    const r = await attempt(cap, central.write(UUID.SERVICE, UUID.RACP, hex("01 01"), { withResponse: true }));
    cap.run(30);
    // The radio lets the write through (the characteristic asks for encryption, and this link has it); the
    // firmware must not act on it.
    if (!r.ok) expect(r.err.attError).toBe(0x05);
    expect(got).toEqual([]);
  });

  it("a report stops within a tick when the link loses its trust", async () => {
    const cap = new Cap(bundle);
    cap.run(60);
    for (let i = 0; i < 120; i++) cap.dose(7, 1);
    const { central } = stranger(cap, { mtu: 23, bonded: true });
    await cap.settle(central.connect({ mtu: 23, bonded: true }));
    const got: number[] = [];
    await cap.settle(central.subscribe(UUID.SERVICE, UUID.RECORDS, () => got.push(cap.clock.now())));
    await cap.settle(central.subscribe(UUID.SERVICE, UUID.RACP, () => {}));
    await cap.settle(central.write(UUID.SERVICE, UUID.RACP, hex("01 01"), { withResponse: true }));
    cap.run(0.5);
    const before = got.length;
    expect(before).toBeGreaterThan(0);
    expect(before).toBeLessThan(100); // still streaming
    const lostAt = cap.clock.now();
    (central as any).link.bonded = false; // the cap dropped this phone's bond
    cap.run(30);
    const after = got.filter((t) => t > lostAt + 0.5).length; // past one tick of the pacing
    expect(after).toBe(0);
    expect(got.length).toBeLessThan(120);
  });
});
