// The injection point for the BLE part: an NrfFactory builds the NRF global at every boot.
import { describe, expect, it } from "vitest";
import type { NrfEnv } from "../../sim/device.js";
import { deviceWith, outputText } from "./helpers.js";

/** A toy NRF: on('connect') listeners are called 1 s after each boot through the boot clock. */
function toyNrf(log: string[]) {
  return (env: NrfEnv) => {
    const listeners: unknown[] = [];
    log.push(`factory boot ${env.device.bootCount}`);
    env.bootClock.schedule(env.clock.now() + 1, () => {
      for (const l of listeners) (l as (a: string) => void)("aa:bb");
    });
    return {
      on(ev: string, fn: unknown) {
        env.enter();
        if (ev === "connect") listeners.push(fn);
      },
      getBattery() {
        env.enter();
        return env.device.batteryVolts();
      },
      data() {
        return env.arrayBuffer(Uint8Array.of(1, 2));
      },
    };
  };
}

describe("NRF injection", () => {
  it("firmware callbacks run from the boot clock report errors and drain promises; a reboot cancels them", () => {
    const log: string[] = [];
    const d = deviceWith(
      "var got=[]; NRF.on('connect', function(a){ Promise.resolve().then(function(){ got.push('p'); }); got.push(a); if (got.length > 1) throw new Error('x'); });",
      { nrf: toyNrf(log) },
    );
    d.clock.advance(2);
    expect(d.evaluate("got.join()")).toBe("aa:bb,p");
    expect(d.evaluate("new Uint8Array(NRF.data()).join() + ' ' + (NRF.data() instanceof ArrayBuffer)")).toBe("1,2 true");
    expect(d.evaluate("NRF.on.constructor('return typeof process.binding')()")).toBe("undefined");
    expect(d.evaluate("NRF.constructor.constructor('return typeof process.binding')()")).toBe("undefined");
    d.evaluate("NRF.on('connect', function(){ throw new Error('boom'); })");
    d.reboot();
    d.clock.advance(0.5); // the old boot's connect event (due at 3 s) never runs
    expect(d.errors).toEqual([]);
    d.clock.advance(2);
    expect(log).toEqual(["factory boot 1", "factory boot 2"]);
    expect(d.evaluate("got.join()")).toBe("aa:bb,p");
    expect(outputText(d)).toEqual([]);
  });
});
