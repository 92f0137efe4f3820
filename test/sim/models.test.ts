import { describe, expect, it } from "vitest";
import { Battery } from "../../sim/battery.js";
import { MagnetModel } from "../../sim/magnet.js";
import { runScenario } from "../../sim/runner.js";
import { validateScenario } from "../../sim/scenario.js";
import { deviceWith } from "./helpers.js";

describe("battery model (CR2032)", () => {
  it("open-circuit voltage falls with the state of charge, the terminal voltage sags under load", () => {
    const b = new Battery();
    const socs = [1, 0.8, 0.5, 0.2, 0.1, 0.05, 0];
    const v = socs.map((s) => {
      b.setStateOfCharge(s);
      return b.openCircuitVolts();
    });
    for (let i = 1; i < v.length; i++) expect(v[i]).toBeLessThan(v[i - 1]);
    expect(v[0]).toBeGreaterThan(2.9);
    expect(v[v.length - 1]).toBe(2.0);
    b.setStateOfCharge(0.1);
    expect(b.volts(10)).toBeLessThan(b.volts(0) - 0.2); // an empty cell sags a lot under a radio burst
    b.remove();
    expect(b.volts(0)).toBe(0);
    b.insert();
    expect(b.volts(0)).toBeGreaterThan(2.9);
  });
});

describe("magnet model", () => {
  it("the field falls with the cube of the distance; noise is seeded", () => {
    const m = new MagnetModel(1);
    m.distanceMm = 10;
    const b10 = m.fieldMicroTesla();
    m.distanceMm = 20;
    expect(m.fieldMicroTesla()).toBeCloseTo(b10 / 8, 6);
    const a = new MagnetModel(5).read();
    const b = new MagnetModel(5).read();
    expect(a).toEqual(b);
  });
});

describe("scenario board and reset events", () => {
  it("a reset-pin reboot is visible in RESETREAS and keeps getTime", async () => {
    const fw = "print('boot ' + peek32(0x40000400) + ' ' + Math.round(getTime()));";
    const tl: string[] = [];
    await runScenario(validateScenario({ name: "r", events: [{ t: 100, type: "reboot" }] }), { bundle: fw, onTimeline: (e) => e.kind === "console" && tl.push(e.text) });
    expect(tl).toEqual(["boot 0 0", "boot 1 100"]);
  });

  it("on PUCKJS the cap moves the magnet that Puck.mag() reads", async () => {
    const fw = "setInterval(function(){ var m = Puck.mag(); print(Math.abs(m.z) > 2500 ? 'near' : 'far'); }, 10000);";
    const tl: string[] = [];
    const sum = await runScenario(
      validateScenario({ name: "p", board: "PUCKJS", freePages: 4, duration: 35, events: [{ t: 15, type: "capOff" }, { t: 25, type: "capOn" }] }),
      { bundle: fw, onTimeline: (e) => e.kind === "console" && tl.push(e.text) },
    );
    expect(tl).toEqual(["near", "far", "near"]);
    expect(sum.board).toBe("PUCKJS");
    expect(sum.flash.pages).toBe(14);
  });

  it("a board event switches to a fresh device of that board", async () => {
    const tl: string[] = [];
    await runScenario(validateScenario({ name: "b", events: [{ t: 0, type: "board", name: "LINUX" }] }), {
      bundle: "print(process.env.BOARD + ' ' + typeof NRF);",
      onTimeline: (e) => e.kind === "console" && tl.push(e.text),
    });
    expect(tl).toEqual(["PENCAP object", "LINUX undefined"]);
  });

  it("a temperature event drives E.getTemperature", () => {
    const d = deviceWith("");
    d.temperature = 37.9;
    expect(d.evaluate("E.getTemperature()")).toBe(38);
  });
});
