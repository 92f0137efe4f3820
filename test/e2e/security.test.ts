// 2. Security through the bundle: a stranger's phone (not bonded, days after the battery went in, so the
// pairing window of docs/protocol.md §6 is closed) reads no record, sets no time, changes no config, deletes
// nothing; the cap's log, clock and config are unchanged afterwards (through the flash and a bonded phone).
import { beforeAll, describe, expect, it } from "vitest";
import { attempt, Cap, firmwareBundle, stranger, UUID } from "./harness.js";

const hex = (s: string) => Uint8Array.from(s.split(" ").map((h) => parseInt(h, 16)));
// A valid config block (docs/protocol.md §7.8: insulin rapid-acting "NovoRapid").
const CONFIG_OK = hex("01 01 0f 06 78 02 1e 00 00 00 58 02 4e 6f 76 6f 52 61 70 69 64 00 00 00 00 00 00 00");
const ATT_INSUFFICIENT_AUTHENTICATION = 0x05;
const ATT_INSUFFICIENT_ENCRYPTION = 0x0f;

describe("an unbonded phone days after power-on", () => {
  let bundle: string;
  beforeAll(async () => {
    bundle = await firmwareBundle();
  });

  it("can read no record, set no time, change no config, delete nothing", async () => {
    const cap = new Cap(bundle);
    cap.run(60);
    cap.dose(20);
    cap.run(3600);
    cap.dose(15);
    expect(await cap.appSync()).toBeGreaterThanOrEqual(4); // BOOT, TIME_SET, 2 DOSE at least
    const before = cap.store().sorted();
    const statusBefore = cap.store().lastStatus!;
    cap.run(3 * 86400); // the pairing window closed long ago

    const flashBefore = cap.flashImage();
    const clockOffsetBefore = cap.capTime() - cap.clock.now();
    const { central } = stranger(cap, { mtu: 53 });
    const conn = await cap.settle(central.connect({ mtu: 53, bonded: false }));
    expect(conn.bonded).toBe(false);
    expect(conn.encrypted).toBe(false);

    const received: Uint8Array[] = [];
    // The CCCD is open (Espruino's default): subscribing works, but nothing may ever arrive.
    const subRecords = await attempt(cap, central.subscribe(UUID.SERVICE, UUID.RECORDS, (d) => received.push(d)));
    const subRacp = await attempt(cap, central.subscribe(UUID.SERVICE, UUID.RACP, (d) => received.push(d)));
    expect(subRecords.ok).toBe(true);

    const refused = async (p: Promise<unknown>) => {
      const r = await attempt(cap, p);
      expect(r.ok).toBe(false);
      if (!r.ok) expect([ATT_INSUFFICIENT_AUTHENTICATION, ATT_INSUFFICIENT_ENCRYPTION]).toContain(r.err.attError);
      return r;
    };
    const w = (c: string, b: Uint8Array) => central.write(UUID.SERVICE, c, b, { withResponse: true });
    for (const req of ["01 01", "01 03 01 00 00 00 00", "01 06", "04 01", "02 01", "02 02 01 ff ff ff ff", "a1 00 01 00 00 00 08"]) {
      const r = await refused(w(UUID.RACP, hex(req)));
      if (!r.ok) expect(r.err.attError).toBe(ATT_INSUFFICIENT_AUTHENTICATION);
    }
    await refused(w(UUID.TIME, hex("3c 90 24 69")));
    await refused(w(UUID.CONFIG, CONFIG_OK));
    await refused(central.read(UUID.SERVICE, UUID.TIME));
    await refused(central.read(UUID.SERVICE, UUID.CONFIG));
    // Status (the time of the last dose) is protected too.
    await refused(central.read(UUID.SERVICE, UUID.STATUS));
    cap.run(30);
    expect(received).toEqual([]);
    await attempt(cap, central.disconnect());
    void subRacp;

    // Nothing persisted: the flash is byte-for-byte what it was, the clock has not moved.
    const flashAfter = cap.flashImage();
    let diff = 0;
    for (let i = 0; i < flashAfter.length; i++) if (flashAfter[i] !== flashBefore[i]) diff++;
    expect(diff).toBe(0);
    expect(Math.abs(cap.capTime() - cap.clock.now() - clockOffsetBefore)).toBeLessThan(0.001);

    // And through the patient's bonded phone: same records (none deleted, no TIME_SET/CONFIG_CHANGED), same config.
    const added = await cap.appSync();
    expect(added).toBe(0);
    const after = cap.store().lastStatus!;
    expect(after.newestSeq).toBe(statusBefore.newestSeq);
    expect(after.deletedThrough).toBe(-1);
    expect(after.count).toBe(statusBefore.count);
    expect(cap.store().sorted()).toEqual(before);
    await cap.settle(cap.app.connect({ mtu: 53, bonded: true }));
    const client = (cap.app as unknown as { client: import("../../client/client.js").PenCapClient }).client;
    const cfg = await cap.settle(client.readConfig());
    expect(cfg.bytes[1]).toBe(0); // insulin type still "not set" (the stranger's block set it to 1)
    expect(Array.from(cfg.bytes)).not.toEqual(Array.from(CONFIG_OK));
    expect(await cap.settle(client.count())).toBe(before.length);
    // Control: the same config write from the bonded phone is accepted (the refusals above were about access).
    expect((await cap.settle(client.writeConfig(CONFIG_OK))).result).toBe(0);
    expect(Array.from((await cap.settle(client.readConfig())).bytes)).toEqual(Array.from(CONFIG_OK));
    await cap.settle(cap.app.disconnect());
    expect(cap.device.errors).toEqual([]);
  });
});
