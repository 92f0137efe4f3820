import { describe, expect, it } from "vitest";
import { ATT_ERR } from "../../../sim/ble/att.js";
import { NUS } from "../../../sim/ble/nrf.js";
import { CH, drive, runFor, setup, SVC } from "./helpers.js";

/** A firmware-like service table: secured records/time, open status. */
function services(onWrite?: (evt: { data: ArrayBuffer }) => void) {
  const enc = { encrypted: true };
  return {
    [SVC]: {
      [CH.records]: { notify: true, value: [0], maxLen: 50, description: "Dose Records", security: { read: enc, write: enc } },
      [CH.racp]: { writable: true, indicate: true, maxLen: 20, description: "Record Access Control Point", security: { write: enc }, onWrite },
      [CH.time]: { readable: true, writable: true, value: [1, 2, 3, 4], maxLen: 4, description: "Device Time", security: { read: enc, write: enc }, onWrite },
      [CH.status]: { readable: true, notify: true, value: "status", maxLen: 60, description: "Status" },
    },
    "0x180F": { "0x2A19": { readable: true, notify: true, value: [87] } },
  };
}

describe("setServices and discovery", () => {
  it("lists services, properties and user descriptions; the Nordic UART is there unless uart:false", async () => {
    const { clock, nrf, radio } = setup();
    nrf.setServices(services());
    const phone = radio.central();
    await drive(clock, phone.connect());
    const table = await drive(clock, phone.discover());
    const svc = table.find((s) => s.uuid === SVC)!;
    expect(svc.characteristics.map((c) => c.description)).toEqual(["Dose Records", "Record Access Control Point", "Device Time", "Status"]);
    const racp = svc.characteristics.find((c) => c.uuid === CH.racp)!;
    expect(racp.properties).toMatchObject({ write: true, writeWithoutResponse: true, indicate: true, notify: false, read: false });
    expect(table.map((s) => s.uuid)).toContain("180f");
    expect(table.map((s) => s.uuid)).toContain(NUS.service);
    expect(radio.uart()).toEqual({ present: true, encrypted: false });

    // a central that can reach the console: what it writes would run as JavaScript on the device
    await drive(clock, phone.write(NUS.service, NUS.rx, "E.reboot()\n"));
    expect(radio.consoleInput()).toBe("E.reboot()\n");
  });

  it("uart:false removes the console (a restart, applied at once when nobody is connected)", async () => {
    const { clock, nrf, radio } = setup();
    nrf.setServices(services(), { uart: false });
    expect(radio.uart().present).toBe(false);
    const phone = radio.central();
    await drive(clock, phone.connect());
    const table = await drive(clock, phone.discover());
    expect(table.map((s) => s.uuid)).not.toContain(NUS.service);
    await expect(drive(clock, phone.write(NUS.service, NUS.rx, "x"))).rejects.toMatchObject({ reason: "NOT_FOUND" });
  });

  it("compares UUIDs in any spelling Espruino accepts, and refuses what it refuses", async () => {
    const { clock, nrf, radio } = setup();
    nrf.setServices(services());
    const phone = radio.central();
    await drive(clock, phone.connect());
    for (const [s, c] of [
      ["0x180F", "0x2A19"],
      ["180f", "2a19"],
      ["0000180F-0000-1000-8000-00805F9B34FB", "00002a19-0000-1000-8000-00805f9b34fb"],
    ]) {
      expect(Array.from(await drive(clock, phone.read(s, c)))).toEqual([87]);
    }
    expect(Array.from(await drive(clock, phone.read(SVC.toUpperCase(), CH.status.toUpperCase())))).toEqual([...Buffer.from("status")]);
    expect(() => nrf.setServices({ "0xZZ12": {} })).toThrow(/Invalid Service UUID/);
    expect(() => nrf.setServices({ "1234": {} })).toThrow(/ambiguous/);
  });

  it("keeps descriptions to 31 characters, maxLen to at least the initial value", () => {
    const { nrf, radio } = setup();
    nrf.setServices({ "0xBCDE": { "0xABCD": { readable: true, value: "Hello", description: "x".repeat(40) } } });
    const c = radio.gattTable().find((s) => s.uuid === "bcde")!.characteristics[0];
    expect(c.description).toBe("x".repeat(31));
  });

  it("setServices while connected (services already set) waits for the disconnect; updateServices throws meanwhile", async () => {
    const { clock, nrf, radio } = setup();
    nrf.setServices(services());
    const phone = radio.central();
    await drive(clock, phone.connect());
    nrf.setServices({ "0xBCDE": { "0xABCD": { readable: true, value: "new" } } });
    expect(() => nrf.updateServices({ [SVC]: { [CH.status]: { value: "x" } } })).toThrow("Can't update services until BLE restart");
    expect(radio.gattTable().map((s) => s.uuid)).toContain(SVC);
    await drive(clock, phone.disconnect());
    expect(radio.gattTable().map((s) => s.uuid)).toContain("bcde");
    expect(radio.gattTable().map((s) => s.uuid)).not.toContain(SVC);
  });
});

describe("read, write, notify, indicate", () => {
  it("delivers writes to onWrite with evt.data as an ArrayBuffer, in order", async () => {
    const got: number[][] = [];
    const kinds = new Set<string>();
    const onWrite = (e: { data: ArrayBuffer }) => {
      kinds.add(Object.prototype.toString.call(e.data));
      got.push([...new Uint8Array(e.data)]);
    };
    const { clock, nrf, radio } = setup();
    nrf.setServices({ "0xBCDE": { "0xABCD": { writable: true, maxLen: 20, onWrite } } });
    const phone = radio.central();
    await drive(clock, phone.connect());
    await drive(clock, Promise.all([phone.write("bcde", "abcd", [1]), phone.write("bcde", "abcd", [2, 2]), phone.write("bcde", "abcd", [3], { withResponse: false })]));
    await runFor(clock, 0.1);
    expect(got).toEqual([[1], [2, 2], [3]]);
    expect([...kinds]).toEqual(["[object ArrayBuffer]"]);
  });

  it("read of a characteristic that is not readable, write of one that is not writable: ATT 0x02 / 0x03", async () => {
    const { clock, nrf, radio } = setup();
    nrf.setServices(services());
    const phone = radio.central();
    await drive(clock, phone.connect({ bonded: true }));
    await expect(drive(clock, phone.read(SVC, CH.racp))).rejects.toMatchObject({ attError: ATT_ERR.READ_NOT_PERMITTED });
    await expect(drive(clock, phone.write(SVC, CH.status, [1]))).rejects.toMatchObject({ attError: ATT_ERR.WRITE_NOT_PERMITTED });
    await expect(drive(clock, phone.readHandle(999))).rejects.toMatchObject({ attError: ATT_ERR.INVALID_HANDLE });
  });

  it("notifications arrive in order, only once subscribed; unsubscribed updates are silently not sent", async () => {
    const { clock, nrf, radio } = setup();
    nrf.setServices(services());
    const phone = radio.central();
    await drive(clock, phone.connect({ bonded: true }));
    nrf.updateServices({ [SVC]: { [CH.status]: { value: [9], notify: true } } }); // nobody subscribed: no error
    const seen: number[] = [];
    await drive(clock, phone.subscribe(SVC, CH.status, (v) => seen.push(v[0])));
    for (let i = 0; i < 5; i++) nrf.updateServices({ [SVC]: { [CH.status]: { value: [i], notify: true } } });
    await runFor(clock, 1);
    expect(seen).toEqual([0, 1, 2, 3, 4]);
    expect(Array.from(await drive(clock, phone.read(SVC, CH.status)))).toEqual([4]); // the value was updated too
  });

  it("indications: one outstanding at a time (a second one throws BUSY until confirmed)", async () => {
    const { clock, nrf, radio } = setup();
    nrf.setServices(services());
    const phone = radio.central();
    await drive(clock, phone.connect({ bonded: true }));
    const seen: [number, boolean][] = [];
    await drive(clock, phone.subscribe(SVC, CH.racp, (v, ind) => seen.push([v[0], ind])));
    nrf.updateServices({ [SVC]: { [CH.racp]: { value: [1], indicate: true } } });
    expect(() => nrf.updateServices({ [SVC]: { [CH.racp]: { value: [2], indicate: true } } })).toThrow("ERR 0x11 (BUSY)");
    await runFor(clock, 0.1); // sent, then confirmed one connection event later
    nrf.updateServices({ [SVC]: { [CH.racp]: { value: [3], indicate: true } } });
    await runFor(clock, 0.1);
    expect(seen).toEqual([
      [1, true],
      [3, true],
    ]);
  });

  it("maxLen is enforced: a longer write gets ATT 0x0D and changes nothing; a longer updateServices throws", async () => {
    const writes: unknown[] = [];
    const { clock, nrf, radio } = setup();
    nrf.setServices(services((e) => writes.push(e)));
    const phone = radio.central();
    await drive(clock, phone.connect({ bonded: true }));
    await expect(drive(clock, phone.write(SVC, CH.time, [1, 2, 3, 4, 5]))).rejects.toMatchObject({ attError: ATT_ERR.INVALID_ATTRIBUTE_VALUE_LENGTH });
    await runFor(clock, 0.1);
    expect(writes).toEqual([]);
    expect(Array.from(await drive(clock, phone.read(SVC, CH.time)))).toEqual([1, 2, 3, 4]);
    expect(() => nrf.updateServices({ [SVC]: { [CH.time]: { value: [1, 2, 3, 4, 5] } } })).toThrow("ERR 0xc (DATA_SIZE)");
  });
});

describe("ATT MTU", () => {
  it("a notification carries MTU-3 bytes: 20 at MTU 23, 50 at MTU 53 (the device's maximum)", async () => {
    for (const [asked, mtu] of [
      [23, 23],
      [53, 53],
      [247, 53],
    ]) {
      const { clock, nrf, radio } = setup();
      nrf.setServices(services());
      const phone = radio.central();
      const c = await drive(clock, phone.connect({ mtu: asked, bonded: true }));
      expect(c.mtu).toBe(mtu);
      const seen: number[] = [];
      await drive(clock, phone.subscribe(SVC, CH.records, (v) => seen.push(v.length)));
      nrf.updateServices({ [SVC]: { [CH.records]: { value: new Uint8Array(mtu - 3), notify: true } } });
      expect(() => nrf.updateServices({ [SVC]: { [CH.records]: { value: new Uint8Array(mtu - 2), notify: true } } })).toThrow("DATA_SIZE");
      await runFor(clock, 0.2);
      expect(seen).toEqual([mtu - 3]);
    }
  });

  it("the firmware gets no 'mtu' event when the phone negotiates 53 (2v29 only emits it as a client)", async () => {
    const { clock, nrf, radio } = setup();
    const seen: unknown[] = [];
    nrf.on("mtu", (m: unknown) => seen.push(m));
    const phone = radio.central();
    expect((await drive(clock, phone.connect({ mtu: 53 }))).mtu).toBe(53);
    await runFor(clock, 1);
    expect(seen).toEqual([]);
  });

  it("a value longer than MTU-1 is read with Read Blob requests (more connection events)", async () => {
    const value = Uint8Array.from({ length: 60 }, (_, i) => i);
    const events: number[] = [];
    for (const mtu of [23, 53]) {
      const { clock, nrf, radio } = setup();
      nrf.setServices({ "0xBCDE": { "0xABCD": { readable: true, value } } });
      const phone = radio.central();
      await drive(clock, phone.connect({ mtu }));
      const before = radio.stats().connectionEvents;
      expect(Array.from(await drive(clock, phone.read("bcde", "abcd")))).toEqual(Array.from(value));
      events.push(radio.stats().connectionEvents - before);
    }
    // 22+22+16 bytes = 3 requests at MTU 23, 52+8 = 2 at MTU 53; n requests take n+1 events (each answer comes
    // one event after its request, and the next request goes out with it)
    expect(events).toEqual([4, 3]);
  });
});

describe("advertised services in the scan response", () => {
  it("setServices advertise:[...] goes into the scan response; two 128-bit UUIDs (with the UART's) do not fit", () => {
    const { nrf, radio } = setup();
    nrf.setServices(services(), { advertise: ["180F"] });
    expect(radio.scan()!.serviceUuids).toEqual(expect.arrayContaining([NUS.service, "180f"]));
    expect(() => nrf.setServices(services(), { advertise: [SVC] })).toThrow("Advertising data too long when adding 128 bit Service");
    nrf.setServices(services(), { advertise: [SVC], uart: false });
    expect(radio.scan()!.serviceUuids).toEqual([SVC]);
  });
});

describe("values as Espruino converts them", () => {
  it("a number is one byte, a string its 8-bit characters, arrays their elements; non-byte typed arrays are refused", async () => {
    const { clock, nrf, radio } = setup();
    nrf.setServices({ "0xBCDE": { "0xABCD": { readable: true, maxLen: 10, value: 0x1234 } } });
    const phone = radio.central();
    await drive(clock, phone.connect());
    expect(Array.from(await drive(clock, phone.read("bcde", "abcd")))).toEqual([0x34]);
    const cases: [unknown, number[]][] = [
      ["AB\u00ff", [0x41, 0x42, 0xff]],
      [[1, 256 + 2, "C"], [1, 2, 0x43]],
      [new Uint8Array([9, 8]), [9, 8]],
      [new Uint8Array([0, 1, 2, 3]).subarray(1, 3), [1, 2]],
      [new DataView(new Uint8Array([7, 6, 5]).buffer, 1), [6, 5]],
      [new Uint8Array([4, 4]).buffer, [4, 4]],
    ];
    for (const [value, bytes] of cases) {
      nrf.updateServices({ "0xBCDE": { "0xABCD": { value } } });
      expect(Array.from(await drive(clock, phone.read("bcde", "abcd")))).toEqual(bytes);
    }
    expect(() => nrf.updateServices({ "0xBCDE": { "0xABCD": { value: new Uint16Array([1]) } } })).toThrow(/Uint16Array/);
  });
});
