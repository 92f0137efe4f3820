// Smoke test of the bench's on-device log filler: what it appends through the firmware's DoseLog is what the
// firmware mounts at its next boot, on the store each board really opens (a drift between bench/fill-log.ts's
// store choice and main.ts's would show here). Figures themselves are for `npm run bench`, not asserted.
import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { SimDevice } from "../../sim/device";
import { CapRadio } from "../../sim/integration";
import { fillLogScript } from "../../bench/prelude";
import { buildFirmware } from "../../scripts/gate/index.mjs";

async function bundle(): Promise<string> {
  const r = (await buildFirmware({ entry: "firmware/main.ts", outfile: "dist/test-bench-firmware.js", write: false })) as { ok: boolean; code: string };
  expect(r.ok).toBe(true);
  return r.code;
}

describe("bench/fill-log.ts", () => {
  it("bundles through the Espruino gate", async () => {
    expect(existsSync("bench/fill-log.ts")).toBe(true);
    expect(await fillLogScript(5, 1764000000)).toContain("BENCH_FILL_N=5");
  });

  it("with fewer than 5 free pages there is no flash log: the filler says so and the firmware keeps RAM", async () => {
    const d = new SimDevice({ board: "MDBT42Q", freePages: 4, seed: 1, bundle: await bundle(), nrf: new CapRadio().factory });
    d.setCap(true);
    d.powerOn();
    d.clock.advance(5);
    const o = d.output.length;
    d.evaluate(await fillLogScript(5, 1764000000));
    const fill = JSON.parse(d.output.slice(o).map((l) => l.text).find((t) => t.startsWith("FILL:"))!.slice(5));
    expect(fill).toEqual({ error: "no page store" });
    expect(d.output.some((l) => l.text.startsWith("pencap: no flash region for the log"))).toBe(true);
  });

  // The log region is Flash.getFree()'s pages: 2 for the state area, the rest (3 or more) for the log.
  for (const [board, freePages] of [["PENCAP", undefined], ["MDBT42Q", 5], ["PUCKJS", 6]] as const) {
    it(`fills the log the firmware mounts on ${board} (free pages ${freePages ?? "default"})`, async () => {
      process.env.TZ = "UTC";
      const radio = new CapRadio();
      const d = new SimDevice({ board, freePages, seed: 1, bundle: await bundle(), installBundle: false, nrf: radio.factory });
      d.setCap(true);
      d.powerOn();
      d.clock.advance(5);
      const o = d.output.length;
      d.evaluate(await fillLogScript(300, 1764000000));
      const fill = JSON.parse(d.output.slice(o).map((l) => l.text).find((t) => t.startsWith("FILL:"))!.slice(5));
      expect(fill.appended).toBe(300);
      const o2 = d.output.length;
      d.reboot("software");
      d.clock.advance(5);
      const boot = d.output.slice(o2).map((l) => l.text).find((t) => t.startsWith("pencap: boot"))!;
      const m = /log (\d+) records, next seq (\d+)/.exec(boot)!;
      // The firmware's boot appends its own records (BOOT, ...) after the filler's newest seq.
      expect(Number(m[2])).toBeGreaterThan(fill.newest + 1);
      expect(Number(m[1])).toBeGreaterThanOrEqual(Math.min(fill.count, fill.capacity));
      expect(d.errors).toEqual([]);
    });
  }
});
