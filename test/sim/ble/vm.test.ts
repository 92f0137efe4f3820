// The NRF object is used from firmware running in a node:vm context (another realm): values made there
// (objects, typed arrays, strings) must work, and evt.data / thrown errors can be made in that realm.
import vm from "node:vm";
import { describe, expect, it } from "vitest";
import { createNrf } from "../../../sim/ble/nrf.js";
import { drive, runFor, TestClock } from "./helpers.js";

describe("NRF inside a vm context", () => {
  it("runs firmware-style code: setServices with vm objects, onWrite with a realm ArrayBuffer, realm errors", async () => {
    const clock = new TestClock();
    const ctx = vm.createContext({});
    const realm = vm.runInContext("({ ArrayBuffer: ArrayBuffer, Error: Error, Uint8Array: Uint8Array })", ctx) as {
      ArrayBuffer: ArrayBufferConstructor;
      Error: ErrorConstructor;
      Uint8Array: Uint8ArrayConstructor;
    };
    const { nrf, radio } = createNrf({
      clock,
      activity: () => {},
      battery: () => 3,
      makeArrayBuffer: (b) => {
        const ab = new realm.ArrayBuffer(b.length);
        new realm.Uint8Array(ab).set(b);
        return ab;
      },
      makeError: (m) => new realm.Error(m),
    });
    ctx.NRF = nrf;
    vm.runInContext(
      `
      var got = [];
      NRF.setServices({
        "0xBCDE": {
          "0xABCD": { writable: true, readable: true, notify: true, maxLen: 8, value: new Uint8Array([5, 6]),
            onWrite: function (evt) { got.push(evt.data instanceof ArrayBuffer, new Uint8Array(evt.data)[0]); } }
        }
      }, { uart: false });
      var caught = null;
      try { NRF.setTxPower(1); } catch (e) { caught = e instanceof Error ? e.message : "not a realm Error"; }
      `,
      ctx,
    );
    expect(vm.runInContext("caught", ctx)).toBe("ERR 0x7 (INVALID_PARAM)");
    const phone = radio.central();
    await drive(clock, phone.connect());
    expect(Array.from(await drive(clock, phone.read("0xBCDE", "0xABCD")))).toEqual([5, 6]);
    await drive(clock, phone.write("bcde", "abcd", [42]));
    await runFor(clock, 0.1);
    expect(vm.runInContext("JSON.stringify(got)", ctx)).toBe("[true,42]");
  });
});
