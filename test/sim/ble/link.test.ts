import { describe, expect, it } from "vitest";
import { ATT_ERR } from "../../../sim/ble/att.js";
import { ESPRUINO_COMPANY_ID } from "../../../sim/ble/adv.js";
import { HCI, NUS } from "../../../sim/ble/nrf.js";
import { CH, drive, runFor, setup, SVC } from "./helpers.js";

const enc = { encrypted: true };
const table = {
  [SVC]: {
    [CH.records]: { notify: true, value: [0], maxLen: 50, description: "Dose Records", security: { read: enc, write: enc } },
    [CH.time]: { readable: true, writable: true, value: [1, 2, 3, 4], maxLen: 4, description: "Device Time", security: { read: enc, write: enc } },
  },
};

function events(nrf: Record<string, (...a: any[]) => any>, names: string[]) {
  const log: [string, unknown][] = [];
  for (const n of names) nrf.on(n, (arg: unknown) => log.push([n, arg]));
  return log;
}

describe("security", () => {
  it("a secured characteristic is refused to an unbonded link (ATT 0x05), allowed after pairing while bonding is open", async () => {
    const { clock, nrf, radio } = setup();
    nrf.setServices(table);
    const log = events(nrf, ["bond", "security"]);
    const phone = radio.central();
    await drive(clock, phone.connect());
    await expect(drive(clock, phone.read(SVC, CH.time))).rejects.toMatchObject({ attError: ATT_ERR.INSUFFICIENT_AUTHENTICATION });
    await expect(drive(clock, phone.write(SVC, CH.time, [9, 9, 9, 9]))).rejects.toMatchObject({ attError: ATT_ERR.INSUFFICIENT_AUTHENTICATION });
    expect(nrf.getSecurityStatus()).toMatchObject({ connected: true, encrypted: false, bonded: false, connected_addr: phone.address });

    const p = await drive(clock, phone.pair());
    expect(p).toEqual({ encrypted: true, mitm: false, lesc: false, bonded: true });
    expect(Array.from(await drive(clock, phone.read(SVC, CH.time)))).toEqual([1, 2, 3, 4]);
    expect(log.map(([n, a]) => (n === "security" ? `security:${(a as { auth_status: string }).auth_status}` : `bond:${a}`))).toEqual([
      "bond:start",
      "security:SUCCESS",
      "bond:success",
    ]);
    expect(radio.bonds()).toEqual([phone.address]);

    // the bond survives a reconnect and a reboot of the nRF (bonds live in its own flash pages)
    await drive(clock, phone.disconnect());
    radio.reset();
    nrf.setServices(table);
    const c = await drive(clock, phone.connect());
    expect(c).toMatchObject({ encrypted: true, bonded: true });
    expect(Array.from(await drive(clock, phone.read(SVC, CH.time)))).toEqual([1, 2, 3, 4]);
  });

  it("SDK12: setSecurity({pair:false}) refuses nothing - the Peer Manager has answered before Espruino's reject", async () => {
    // targets/nrf5x/bluetooth.c ble_evt_dispatch: pm_on_ble_evt() first (SDK12 PM replies to SEC_PARAMS_REQUEST),
    // then ble_evt_handler's PAIRING_NOT_SUPP reply, which fails with INVALID_STATE.
    const { clock, nrf, radio } = setup();
    nrf.setServices(table);
    nrf.setSecurity({ pair: false });
    const log = events(nrf, ["bond"]);
    const phone = radio.central();
    await drive(clock, phone.connect());
    expect(await drive(clock, phone.pair())).toMatchObject({ encrypted: true, bonded: true });
    await runFor(clock, 0.01);
    expect(log.map((x) => x[1])).toEqual(["start", "success"]);
    expect(radio.lateRejects()).toBe(1);
    expect(Array.from(await drive(clock, phone.read(SVC, CH.time)))).toEqual([1, 2, 3, 4]);
    expect(radio.bonds()).toEqual([phone.address]);
  });

  it("bond:false pairs (encrypted link) without storing a bond", async () => {
    const { clock, nrf, radio } = setup();
    nrf.setServices(table);
    nrf.setSecurity({ bond: false });
    const phone = radio.central();
    await drive(clock, phone.connect());
    expect(await drive(clock, phone.pair())).toMatchObject({ encrypted: true, bonded: false });
    expect(radio.bonds()).toEqual([]);
  });

  it("MITM with a static passkey: wrong key fails, right key gives a MITM-protected bond; the UART then needs encryption", async () => {
    const { clock, nrf, radio } = setup();
    nrf.setSecurity({ passkey: "123456", mitm: 1, display: 1 });
    nrf.setServices({ [SVC]: { [CH.time]: { readable: true, value: [7], security: { read: { encrypted: true, mitm: true } } } } });
    expect(radio.uart()).toEqual({ present: true, encrypted: true });
    const phone = radio.central();
    await drive(clock, phone.connect());
    await expect(drive(clock, phone.write(NUS.service, NUS.rx, "1\n"))).rejects.toMatchObject({ attError: ATT_ERR.INSUFFICIENT_AUTHENTICATION });
    // no keyboard on the phone: Just Works goes through on SDK12 despite mitm (the reject comes too late), but
    // the link is not MITM-protected, so the MITM characteristic stays refused
    expect(await drive(clock, phone.pair())).toMatchObject({ encrypted: true, mitm: false, bonded: true });
    expect(radio.lateRejects()).toBe(1);
    await expect(drive(clock, phone.read(SVC, CH.time))).rejects.toMatchObject({ attError: ATT_ERR.INSUFFICIENT_AUTHENTICATION });
    // re-pairing of a known peer is allowed (allow_repairing): a wrong key fails, the right one upgrades the bond
    await expect(drive(clock, phone.pair({ passkey: "654321" }))).rejects.toMatchObject({ authStatus: "CONFIRM_VALUE" });
    expect(await drive(clock, phone.pair({ passkey: "123456" }))).toMatchObject({ mitm: true, bonded: true });
    expect(Array.from(await drive(clock, phone.read(SVC, CH.time)))).toEqual([7]);
    expect(() => nrf.setSecurity({ passkey: "123456" })).toThrow("INVALID_PARAM"); // passkey needs display:1
  });

  it("encrypted-but-not-MITM link is refused a mitm characteristic with ATT 0x05; mitm without encrypted stays open (as Espruino)", async () => {
    const { clock, nrf, radio } = setup();
    nrf.setServices({
      "0xBCDE": {
        "0xABC1": { readable: true, value: [1], security: { read: { encrypted: true, mitm: true } } },
        "0xABC2": { readable: true, value: [2], security: { read: { mitm: true } } },
      },
    });
    const phone = radio.central();
    await drive(clock, phone.connect());
    expect(await drive(clock, phone.pair())).toMatchObject({ encrypted: true, mitm: false }); // Just Works
    await expect(drive(clock, phone.read("bcde", "abc1"))).rejects.toMatchObject({ attError: ATT_ERR.INSUFFICIENT_AUTHENTICATION });
    expect(Array.from(await drive(clock, phone.read("bcde", "abc2")))).toEqual([2]);
  });

  it("the CCCD is open: an unbonded phone can subscribe to a secured characteristic and gets its notifications", async () => {
    // Espruino passes p_cccd_md = NULL, so the SoftDevice's default (open) CCCD permissions apply. The firmware
    // must check NRF.getSecurityStatus() before notifying secret data.
    const { clock, nrf, radio } = setup();
    nrf.setServices(table);
    const stranger = radio.central();
    await drive(clock, stranger.connect());
    const got: number[] = [];
    await drive(clock, stranger.subscribe(SVC, CH.records, (v) => got.push(v[0])));
    nrf.updateServices({ [SVC]: { [CH.records]: { value: [42], notify: true } } });
    await runFor(clock, 0.1);
    expect(got).toEqual([42]);
  });

  it("a phone that still thinks it is bonded after the device lost the bond gets an unencrypted link", async () => {
    const { clock, nrf, radio } = setup();
    nrf.setServices(table);
    const phone = radio.central();
    await drive(clock, phone.connect());
    await drive(clock, phone.pair());
    await drive(clock, phone.disconnect());
    radio.eraseBonds();
    const c = await drive(clock, phone.connect());
    expect(c).toMatchObject({ encrypted: false, bonded: false });
    expect(phone.isBonded()).toBe(false);
  });

  it("setWhitelist(true) records new bonds but does not keep other phones out (advertising filter is FP_ANY)", async () => {
    const { clock, nrf, radio } = setup();
    nrf.setServices(table);
    nrf.setWhitelist(true);
    const a = radio.central();
    await drive(clock, a.connect());
    await drive(clock, a.pair());
    await drive(clock, a.disconnect());
    expect(radio.whitelist()).toEqual([a.address]);
    const b = radio.central();
    await drive(clock, b.connect());
    expect(await drive(clock, b.pair())).toMatchObject({ bonded: true });
  });
});

describe("links", () => {
  it("disconnect reasons: the phone's disconnect is 19 for the firmware; NRF.disconnect() is 22 for the firmware", async () => {
    const { clock, nrf, radio } = setup();
    const log = events(nrf, ["connect", "disconnect"]);
    const phone = radio.central();
    const seen: number[] = [];
    phone.onDisconnect((r) => seen.push(r));
    await drive(clock, phone.connect());
    await drive(clock, phone.disconnect());
    await drive(clock, phone.connect());
    nrf.disconnect();
    await runFor(clock, 0.1);
    expect(log).toEqual([
      ["connect", phone.address],
      ["disconnect", HCI.REMOTE_USER_TERMINATED],
      ["connect", phone.address],
      ["disconnect", HCI.LOCAL_HOST_TERMINATED],
    ]);
    expect(seen).toEqual([HCI.LOCAL_HOST_TERMINATED, HCI.REMOTE_USER_TERMINATED]);
    expect(nrf.getSecurityStatus()).toEqual({ advertising: true, connected: false });
  });

  it("dropLink mid-stream: queued notifications are lost, pending operations reject, the firmware sees reason 8 after 4 s", async () => {
    const { clock, nrf, radio } = setup();
    nrf.setServices(table);
    const log = events(nrf, ["disconnect"]);
    const phone = radio.central();
    await drive(clock, phone.connect({ bonded: true, intervalMs: 30, minIntervalMs: 30, notificationsPerEvent: 4 }));
    const got: number[] = [];
    await drive(clock, phone.subscribe(SVC, CH.records, (v) => got.push(v[0])));
    for (let i = 0; i < 7; i++) nrf.updateServices({ [SVC]: { [CH.records]: { value: [i], notify: true } } });
    await runFor(clock, 0.031); // one connection event: 4 sent, 3 queued
    expect(got).toEqual([0, 1, 2, 3]);
    const pending = phone.read(SVC, CH.time);
    const t0 = clock.now();
    phone.dropLink();
    await expect(pending).rejects.toMatchObject({ reason: "LINK_LOST" });
    expect(nrf.getSecurityStatus().connected).toBe(true); // the firmware does not know yet
    nrf.updateServices({ [SVC]: { [CH.records]: { value: [7], notify: true } } }); // queued into the void
    await runFor(clock, 3.9);
    expect(log).toEqual([]);
    await runFor(clock, 0.2);
    expect(log).toEqual([["disconnect", HCI.CONNECTION_TIMEOUT]]);
    expect(clock.now() - t0).toBeGreaterThanOrEqual(4);
    expect(got).toEqual([0, 1, 2, 3]);
    expect(radio.stats().notificationsLost).toBe(4);
    expect(radio.scan()).not.toBeNull(); // advertising again
  });

  it("throughput: 1,000 notifications at 4 per event and 30 ms take 250 connection events (7.5 s) when paced", async () => {
    const { clock, nrf, radio, activities } = setup();
    nrf.setServices(table);
    const phone = radio.central();
    await drive(clock, phone.connect({ mtu: 23, bonded: true, intervalMs: 30, minIntervalMs: 30, notificationsPerEvent: 4 }));
    const got: number[] = [];
    await drive(clock, phone.subscribe(SVC, CH.records, (v) => got.push(v[0] | (v[1] << 8))));
    const before = radio.stats();
    const start = clock.now(); // subscribe's answer arrived at a connection event
    // the firmware paces itself with a timer at the connection interval, just after each event: 4 per tick
    let n = 0;
    let k = 0;
    const tick = () => {
      for (let i = 0; i < 4 && n < 1000; i++, n++) nrf.updateServices({ [SVC]: { [CH.records]: { value: [n & 0xff, n >> 8], notify: true } } });
      k++;
      if (n < 1000) clock.schedule(start + 0.001 + k * 0.03, tick);
    };
    clock.schedule(start + 0.001, tick);
    for (let i = 0; i < 40 && got.length < 1000; i++) await runFor(clock, 0.5);
    const s = radio.stats();
    expect(got).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(s.busyEvents - before.busyEvents).toBe(250);
    expect(s.notificationsSent - before.notificationsSent).toBe(1000);
    expect(s.notificationsDropped).toBe(0);
    const lastPacket = activities.filter((x) => x.a.kind === "radioPackets").at(-1)!.t;
    expect(lastPacket - start).toBeCloseTo(250 * 0.03, 6);
    expect(activities.filter((x) => x.a.kind === "radioPackets").reduce((k, x) => k + (x.a as { count: number }).count, 0)).toBe(1000);
  });

  it("a burst beyond the TX buffers is silently dropped (Espruino ignores NO_TX_PACKETS)", async () => {
    const { clock, nrf, radio } = setup({ txBuffers: 7 });
    nrf.setServices(table);
    const phone = radio.central();
    await drive(clock, phone.connect({ bonded: true }));
    const got: number[] = [];
    await drive(clock, phone.subscribe(SVC, CH.records, (v) => got.push(v[0])));
    for (let i = 0; i < 20; i++) nrf.updateServices({ [SVC]: { [CH.records]: { value: [i], notify: true } } });
    await runFor(clock, 1);
    expect(got).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(radio.stats().notificationsDropped).toBe(13);
  });

  it("a reboot drops the link without a firmware event, forgets services and listeners, keeps bonds", async () => {
    const { clock, nrf, radio } = setup();
    nrf.setServices(table, { uart: false });
    const log = events(nrf, ["disconnect"]);
    const phone = radio.central();
    const seen: number[] = [];
    phone.onDisconnect((r) => seen.push(r));
    await drive(clock, phone.connect());
    await drive(clock, phone.pair());
    radio.reset();
    await runFor(clock, 5);
    expect(log).toEqual([]);
    expect(seen).toEqual([HCI.CONNECTION_TIMEOUT]);
    expect(radio.gattTable().map((s) => s.uuid)).not.toContain(SVC);
    expect(radio.uart().present).toBe(true); // back to Espruino's default until the firmware says uart:false again
    expect(radio.bonds()).toEqual([phone.address]);
  });

  it("auto interval (Espruino's dynamic adjustment): 7.5 ms after connecting, 200 ms after 30 s idle, fast again on activity", async () => {
    const { clock, nrf, radio, activities } = setup();
    nrf.setServices(table);
    const phone = radio.central();
    await drive(clock, phone.connect({ intervalMs: 45, minIntervalMs: 7.5 }));
    // the request goes out 100 ms after connecting; the new interval starts 8 events later (nrf.ts
    // requestInterval): 0.1 + 8 x 45 ms
    await runFor(clock, 0.05);
    expect(radio.connectionIntervalMs()).toBe(45);
    await runFor(clock, 0.45);
    expect(radio.connectionIntervalMs()).toBe(7.5);
    await runFor(clock, 29);
    expect(radio.connectionIntervalMs()).toBe(7.5);
    await runFor(clock, 1.5);
    expect(radio.connectionIntervalMs()).toBe(200);
    // bleIdleCounter drops by 10 s per activity: the 4th activity after a long idle brings the fast rate back
    for (let i = 0; i < 3; i++) nrf.updateServices({ [SVC]: { [CH.records]: { value: [i] } } });
    expect(radio.connectionIntervalMs()).toBe(200);
    nrf.updateServices({ [SVC]: { [CH.records]: { value: [3] } } });
    expect(radio.connectionIntervalMs()).toBe(200); // asked for; it starts 8 events (1.6 s) later
    await runFor(clock, 1.7);
    expect(radio.connectionIntervalMs()).toBe(7.5);
    expect(activities.filter((x) => x.a.kind === "connection").map((x) => (x.a as { intervalMs: number }).intervalMs)).toEqual([45, 7.5, 200, 7.5]);
    // an iOS-like phone grants no less than 15 ms
    await drive(clock, phone.disconnect());
    await drive(clock, phone.connect({ intervalMs: 30 }));
    await runFor(clock, 0.4);
    expect(radio.connectionIntervalMs()).toBe(15);
  });

  it("setConnectionInterval changes the link interval and reports it", async () => {
    const { clock, nrf, radio, activities } = setup();
    const phone = radio.central();
    await drive(clock, phone.connect({ intervalMs: 30 }));
    nrf.setConnectionInterval(200);
    expect(radio.connectionIntervalMs()).toBe(30); // 8 events to the instant
    await runFor(clock, 0.3);
    expect(radio.connectionIntervalMs()).toBe(200);
    expect(nrf.getSecurityStatus().connectionInterval).toBe(160);
    expect(activities.filter((x) => x.a.kind === "connection").map((x) => x.a)).toEqual([
      { kind: "connection", intervalMs: 30 },
      { kind: "connection", intervalMs: 200 },
    ]);
    expect(() => nrf.setConnectionInterval(5)).toThrow("INVALID_PARAM");
  });
});

describe("advertising", () => {
  it("by default: flags, Espruino's manufacturer id, the name; the scan response lists the UART", () => {
    const { radio, nrf } = setup();
    const s = radio.scan()!;
    expect(Array.from(s.advertising.slice(0, 7))).toEqual([2, 1, 6, 3, 0xff, 0x90, 0x05]);
    expect(s.name).toBe(nrf.getAdvertisingName());
    expect(s.manufacturerData[ESPRUINO_COMPANY_ID]).toEqual(new Uint8Array(0));
    expect(s.serviceUuids).toEqual([NUS.service]);
    expect(s.intervalMs).toBe(375);
  });

  it("service UUID, manufacturer data and name as the phone sees them; a long name is shortened", () => {
    const { radio, nrf } = setup();
    nrf.setAdvertising({ "0x180F": undefined }, { name: "InsulinCap-1234567890", manufacturer: 0xffff, manufacturerData: [1, 2, 3, 4, 5], interval: 1000 });
    const s = radio.scan()!;
    expect(s.serviceUuids).toContain("180f");
    expect(Array.from(s.manufacturerData[0xffff])).toEqual([1, 2, 3, 4, 5]);
    expect(s.advertising.length).toBeLessThanOrEqual(31);
    // 3 flags + 4 uuid + 9 manufacturer = 16 bytes used: 13 of the 21 name characters fit
    expect(s.name).toBe("InsulinCap-12");
    expect(s.shortName).toBe(true);
    expect(s.intervalMs).toBe(1000);
  });

  it("refuses a payload over 31 bytes the way Espruino does (throws, falls back to the default packet)", () => {
    const { radio, nrf } = setup();
    expect(() => nrf.setAdvertising({ [SVC]: undefined }, { manufacturerData: new Uint8Array(12) })).toThrow("Advertising data too long when adding Manufacturer data");
    expect(radio.scan()!.serviceUuids).not.toContain(SVC);
    expect(() => nrf.setAdvertising(new Array(32).fill(0))).toThrow("DATA_SIZE");
    nrf.setAdvertising({ [SVC]: undefined }, { showName: false, manufacturerData: [1, 2] });
    expect(radio.scan()!.serviceUuids).toContain(SVC);
  });

  it("reports advertising activity: interval, TX power, stopped while connected and while asleep", async () => {
    const { clock, radio, nrf, activities } = setup();
    nrf.setTxPower(-8);
    expect(() => nrf.setTxPower(-7)).toThrow("INVALID_PARAM");
    nrf.setAdvertising({}, { interval: 5 }); // clamped to 20 ms
    const phone = radio.central();
    await drive(clock, phone.connect());
    await drive(clock, phone.disconnect());
    nrf.sleep();
    expect(radio.scan()).toBeNull();
    await expect(drive(clock, phone.connect())).rejects.toMatchObject({ reason: "NOT_CONNECTABLE" });
    nrf.wake();
    expect(activities.filter((x) => x.a.kind === "advertising").map((x) => x.a)).toEqual([
      { kind: "advertising", intervalMs: 375, txPowerDbm: 0 },
      { kind: "advertising", intervalMs: 375, txPowerDbm: -8 },
      { kind: "advertising", intervalMs: 20, txPowerDbm: -8 },
      { kind: "advertising", intervalMs: 0, txPowerDbm: -8 },
      { kind: "advertising", intervalMs: 20, txPowerDbm: -8 },
      { kind: "advertising", intervalMs: 0, txPowerDbm: -8 },
      { kind: "advertising", intervalMs: 20, txPowerDbm: -8 },
    ]);
    expect(nrf.getBattery()).toBe(2.95);
  });
});
