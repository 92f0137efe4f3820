// A stranger in range of the cap, on the SDK12 pairing model (sim/ble/nrf.ts pair(): the Peer Manager answers a
// Pairing Request before Espruino's pair:false check; Just Works goes through even when MITM is asked for;
// re-pairing of a known peer is allowed). Everything runs the real bundle (test/e2e/harness.ts) in virtual time.
// docs/protocol.md "Threat model" names these tests.
import { beforeAll, describe, expect, it } from "vitest";
import { attempt, Cap, firmwareBundle, PASSKEY, stranger, UUID } from "../e2e/harness.js";
import { NUS } from "../../sim/ble/nrf.js";
import type { SimCentral } from "../../sim/ble/index.js";

const hex = (s: string) => Uint8Array.from(s.split(" ").map((h) => parseInt(h, 16)));
const CONFIG_OK = hex("01 01 0f 06 78 02 1e 00 00 00 58 02 4e 6f 76 6f 52 61 70 69 64 00 00 00 00 00 00 00");
const DIS = "0x180a";
const DIS_SERIAL = "0x2a25";

let bundle: string;
beforeAll(async () => {
  bundle = await firmwareBundle();
});

/** Everything a stranger's link can try: every read and write of therapy data, subscriptions. Returns what came
 *  back (values read, notifications received); the link may be dropped under it at any time. */
async function probe(cap: Cap, central: SimCentral) {
  const got: { reads: Uint8Array[]; notes: Uint8Array[]; writesAccepted: number } = { reads: [], notes: [], writesAccepted: 0 };
  await attempt(cap, central.subscribe(UUID.SERVICE, UUID.RECORDS, (d) => got.notes.push(d)));
  await attempt(cap, central.subscribe(UUID.SERVICE, UUID.RACP, (d) => got.notes.push(d), { indicate: true }));
  await attempt(cap, central.subscribe(UUID.SERVICE, UUID.STATUS, (d) => got.notes.push(d)));
  for (const [s, c] of [[UUID.SERVICE, UUID.STATUS], [UUID.SERVICE, UUID.TIME], [UUID.SERVICE, UUID.CONFIG], [DIS, DIS_SERIAL]]) {
    const r = await attempt(cap, central.read(s, c));
    if (r.ok) got.reads.push(r.value as Uint8Array);
  }
  for (const [c, d] of [[UUID.RACP, "01 01"], [UUID.RACP, "02 01"], [UUID.RACP, "a1 00 01 00 00 00 08"], [UUID.TIME, "3c 90 24 69"]] as const) {
    const r = await attempt(cap, central.write(UUID.SERVICE, c, hex(d)));
    if (r.ok) got.writesAccepted++;
  }
  const r = await attempt(cap, central.write(UUID.SERVICE, UUID.CONFIG, CONFIG_OK));
  if (r.ok) got.writesAccepted++;
  return got;
}

/** A cap with some history, synced once by its owner (bonded phone), then left for `afterS` seconds. */
async function usedCap(afterS: number): Promise<Cap> {
  const cap = new Cap(bundle);
  cap.run(60);
  cap.dose(20);
  cap.run(600);
  cap.dose(15);
  expect(await cap.appSync()).toBeGreaterThanOrEqual(3);
  cap.run(afterS);
  return cap;
}

/** Seconds a stranger's link stays up after connecting (until the cap drops it), with an optional action. */
async function heldFor(cap: Cap, central: SimCentral, act?: () => Promise<unknown>): Promise<number> {
  let closedAt = -1;
  const off = central.onDisconnect(() => (closedAt = cap.clock.now()));
  await cap.settle(central.connect({ mtu: 23, bonded: false }));
  const t0 = cap.clock.now();
  if (act) void act().catch(() => undefined);
  cap.run(120);
  off();
  return closedAt < 0 ? Infinity : closedAt - t0;
}

describe("a stranger in range, window closed (days after the battery went in)", () => {
  it("stranger-closed-no-passkey: Just Works pairing 'succeeds' on SDK12 but stores no bond, reads and writes nothing, the link is dropped", async () => {
    const cap = await usedCap(3 * 86400);
    const flashBefore = cap.flashImage();
    const { central } = stranger(cap);
    await cap.settle(central.connect({ mtu: 23, bonded: false }));
    const lateBefore = cap.radio.radio.lateRejects();
    const p = await attempt(cap, central.pair({}));
    // The Peer Manager answered before the firmware could refuse: an encrypted link, not MITM, not bonded
    // (the cap's setSecurity has bond:false outside the window, which SDK12 does honour).
    expect(p.ok).toBe(true);
    if (p.ok) expect(p.value).toMatchObject({ encrypted: true, mitm: false, bonded: false });
    expect(cap.radio.radio.lateRejects()).toBeGreaterThan(lateBefore);
    const got = await probe(cap, central);
    cap.run(30);
    expect(got.reads).toEqual([]);
    expect(got.notes).toEqual([]);
    expect(got.writesAccepted).toBe(0);
    expect(central.connected).toBe(false); // dropped by the cap at the failed pairing
    expect(cap.radio.radio.bonds()).not.toContain(central.address);
    expect(Buffer.compare(Buffer.from(cap.flashImage()), Buffer.from(flashBefore))).toBe(0);
  });

  it("stranger-closed-with-passkey: even with the label's passkey, no bond outside the window, nothing read", async () => {
    const cap = await usedCap(86400);
    const { central } = stranger(cap);
    await cap.settle(central.connect({ mtu: 23, bonded: false }));
    const p = await attempt(cap, central.pair({ passkey: PASSKEY }));
    if (p.ok) expect(p.value).toMatchObject({ bonded: false });
    const got = await probe(cap, central);
    expect(got.reads).toEqual([]);
    expect(got.notes).toEqual([]);
    expect(got.writesAccepted).toBe(0);
    expect(cap.radio.radio.bonds()).not.toContain(central.address);
  });

  it("stranger-holds-link: an idle stranger is dropped within 5 s, again and again; the owner gets in between", async () => {
    const cap = await usedCap(86400);
    for (let i = 0; i < 5; i++) {
      const { central } = stranger(cap);
      expect(await heldFor(cap, central)).toBeLessThanOrEqual(5.5);
      const { central: c2 } = stranger(cap);
      expect(await heldFor(cap, c2, () => c2.pair({}))).toBeLessThanOrEqual(5.5); // a pairing attempt changes nothing
      const { central: c3 } = stranger(cap);
      // nor does a pairing left stalled at the passkey prompt: the 35 s prompt time is only for the open window
      expect(await heldFor(cap, c3, () => c3.pair({ stall: true }))).toBeLessThanOrEqual(5.5);
    }
    expect(await cap.appSync()).toBeGreaterThanOrEqual(0); // the owner's bonded phone syncs at once
    expect(cap.store().lastStatus).toBeTruthy();
  });

  it("stranger-passive-scan: advertising is the flags alone, the same before and after a dose; no name, no UUID", async () => {
    const cap = await usedCap(86400);
    const { central } = stranger(cap);
    const before = central.scan()!;
    cap.dose(20);
    cap.run(1);
    const after = central.scan()!;
    expect(Array.from(before.advertising)).toEqual([0x02, 0x01, 0x06]);
    expect(Array.from(after.advertising)).toEqual(Array.from(before.advertising));
    expect(Array.from(after.scanResponse ?? [])).toEqual([]);
    expect(cap.radio.radio.advertisingIntervalMs()).toBeGreaterThan(1000); // no dose-triggered fast advertising
  });
});

describe("a stranger while the pairing window is open (first 180 s after the battery went in)", () => {
  it("stranger-open-no-passkey: a Just Works bond grants nothing, the link is dropped at once, the owner still pairs", async () => {
    const cap = new Cap(bundle);
    cap.run(20);
    const { central } = stranger(cap);
    await cap.settle(central.connect({ mtu: 23, bonded: false }));
    const p = await attempt(cap, central.pair({ io: "none" }));
    expect(p.ok).toBe(true); // SDK12: the Peer Manager bonded it (unauthenticated)
    if (p.ok) expect(p.value).toMatchObject({ mitm: false });
    const got = await probe(cap, central);
    expect(got.reads).toEqual([]);
    expect(got.notes).toEqual([]);
    expect(got.writesAccepted).toBe(0);
    expect(central.connected).toBe(false);
    // A later reconnect with that Just Works bond re-encrypts, still without MITM: nothing, and dropped.
    cap.run(2);
    const again = await heldFor(cap, central, async () => (await probe(cap, central)).reads.length);
    expect(again).toBeLessThanOrEqual(5.5);
    // The owner pairs with the passkey while the window is open.
    const owner = stranger(cap);
    await cap.settle(owner.central.connect({ mtu: 23, bonded: false }));
    const ok = await cap.settle(owner.central.pair({ passkey: PASSKEY }));
    expect(ok).toMatchObject({ encrypted: true, mitm: true, lesc: true, bonded: true });
    const st = await cap.settle(owner.central.read(UUID.SERVICE, UUID.STATUS));
    expect(st.length).toBe(20);
  });

  it("stranger-open-wrong-passkey: each wrong passkey drops the link; three close the window", async () => {
    const cap = new Cap(bundle);
    cap.run(20);
    for (let i = 0; i < 3; i++) {
      const { central } = stranger(cap);
      await cap.settle(central.connect({ mtu: 23, bonded: false }));
      const p = await attempt(cap, central.pair({ passkey: "000000" }));
      expect(p.ok).toBe(false);
      cap.run(1);
      expect(central.connected).toBe(false);
    }
    // The window is closed now (well before its 180 s): the right passkey no longer makes a bond.
    const owner = stranger(cap);
    await cap.settle(owner.central.connect({ mtu: 23, bonded: false }));
    const p = await attempt(cap, owner.central.pair({ passkey: PASSKEY }));
    if (p.ok) expect(p.value).toMatchObject({ bonded: false });
    expect(cap.radio.radio.bonds()).toEqual([]);
  });

  it("stranger-open-stalls: a pairing prompt left open holds the link at most 35 s, and not beyond the SMP timeout", async () => {
    const cap = new Cap(bundle);
    cap.run(10);
    const { central } = stranger(cap);
    const held = await heldFor(cap, central, () => central.pair({ stall: true }));
    expect(held).toBeLessThanOrEqual(35.5);
    expect(held).toBeGreaterThan(5); // the patient at the prompt gets time to type
  });
});

describe("the console (Nordic UART)", () => {
  it("console-after-boot: no UART in the GATT table once the cap runs", async () => {
    const cap = new Cap(bundle);
    cap.run(5);
    expect(cap.radio.radio.uart().present).toBe(false);
  });

  it("console-connected-during-boot: a central connected while the firmware starts is dropped at once and finds no UART after", async () => {
    let phone: SimCentral | null = null;
    let conn: Promise<unknown> | null = null;
    let bootAt = 0;
    const cap = new Cap(bundle, {
      onBoot: (radio) => {
        phone = radio.central({ address: "66:77:88:00:00:99 public" });
        conn = phone.connectNow({ mtu: 23 });
      },
    });
    bootAt = cap.clock.now(); // the boot ran inside the constructor, at this time
    let closedAt = -1;
    phone!.onDisconnect(() => (closedAt = cap.clock.now()));
    await attempt(cap, conn!);
    // The phone types into the console as soon as it can: nothing reaches it.
    const typed = await attempt(cap, phone!.write(NUS.service, NUS.rx, "NRF.setServices({},{uart:true})\n"));
    expect(typed.ok).toBe(false);
    expect(cap.radio.radio.consoleInput()).toBe("");
    expect(closedAt).toBeGreaterThanOrEqual(0);
    expect(closedAt - bootAt).toBeLessThan(0.5); // the first statement, not the 5 s stranger limit
    cap.run(2);
    expect(cap.radio.radio.uart().present).toBe(false);
    await cap.settle(phone!.connect({ mtu: 23 }));
    const table = await cap.settle(phone!.discover());
    expect(table.map((s) => s.uuid)).not.toContain(NUS.service);
  });

  it("console-failed-boot: a boot that fails right after the first statement leaves no UART either", async () => {
    // The bundle's first statement is the console-off block; anything after it failing is the FATAL case.
    const first = bundle.indexOf("catch{}");
    expect(first).toBeGreaterThan(0);
    expect(first).toBeLessThan(300);
    const broken = bundle.slice(0, first + 7) + 'throw Error("boot failed");' + bundle.slice(first + 7);
    let phone: SimCentral | null = null;
    const cap = new Cap(broken, {
      onBoot: (radio) => {
        phone = radio.central({ address: "66:77:88:00:00:98 public" });
        void phone.connectNow({ mtu: 23 }).catch(() => undefined);
      },
    });
    cap.run(10);
    expect(cap.device.errors.length).toBeGreaterThan(0); // it did fail
    expect(phone!.connected).toBe(false);
    expect(cap.radio.radio.uart().present).toBe(false);
    await cap.settle(phone!.connect({ mtu: 23 }));
    const table = await cap.settle(phone!.discover());
    expect(table.map((s) => s.uuid)).not.toContain(NUS.service);
  });
});
