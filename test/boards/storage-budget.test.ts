// The bundle must fit in the cap's Storage next to what flash.sh stores with it, with room to grow a little:
// Storage is 10 pages (40,960 bytes, boards/PENCAP.py) and holds .bootcde (the bundle as uploaded), pencap.key
// and the pre-allocated pencap.cfg (docs/log-format.md "No Storage churn in the field"). A bundle that does not
// fit cannot be uploaded at all; this fails first, at build time, with the figures.
import { describe, expect, it } from "vitest";
import { Buffer } from "node:buffer";
import { SimDevice } from "../../sim/device.js";
import { EspruinoStorage } from "../../sim/storage.js";
import { firmwareBundle } from "../e2e/harness.js";

/** Room kept free after flashing: a few more config-free releases, and Storage's own alignment slack. */
const MIN_FREE_AFTER_FLASHING = 1024;

describe("Storage budget of the cap (PENCAP)", () => {
  it(`leaves at least ${MIN_FREE_AFTER_FLASHING} bytes of Storage free after flashing the bundle, the passkey and the config file`, async () => {
    const bundle = await firmwareBundle();
    const d = new SimDevice({ board: "PENCAP", seed: 1, bundle });
    d.installFile("pencap.key", new Uint8Array(Buffer.from("123456", "ascii")));
    const st = new EspruinoStorage(d.flash, d.board.storageAddress, d.board.storagePages);
    expect(st.list().sort()).toEqual([".bootcde", "pencap.cfg", "pencap.key"]);
    const stats = st.stats();
    expect(stats.totalBytes).toBe(40960);
    expect(stats.freeBytes, `bundle ${Buffer.byteLength(bundle)} bytes leaves ${stats.freeBytes} bytes of Storage`).toBeGreaterThanOrEqual(MIN_FREE_AFTER_FLASHING);
  });
});
