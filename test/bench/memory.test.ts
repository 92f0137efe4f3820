// The device-like memory bench rewrites a copy of the bundle to start BLE on the LINUX profile against a stub NRF.
// These checks keep that rewrite honest as the firmware changes: exactly the LINUX profile's ble flag flips, and the
// stub answers every NRF call the firmware makes (a missing one would end the BLE boot early, and the bench would
// then under-count). The figures themselves are for `npm run bench`, not asserted.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { bleVariant, NRF_STUB, SYNC_DRIVER } from "../../bench/memory";
import { OP_NOTIFY_SIZE, OP_REPORT, OPR_ALL, OPR_NULL, OP_RESPONSE } from "../../firmware/ble/racp";
import { RACP_UUID, SERVICE_UUID } from "../../firmware/ble/uuids";
import { buildFirmware } from "../../scripts/gate/index.mjs";

async function bundle(): Promise<string> {
  const r = (await buildFirmware({ entry: "firmware/main.ts", outfile: "dist/test-bench-memory.js", write: false })) as { ok: boolean; code: string };
  expect(r.ok).toBe(true);
  return r.code;
}

/** Names of the stub's members, from its source text. */
function stubMembers(): string[] {
  return [...NRF_STUB.matchAll(/([A-Za-z]+):function/g)].map((m) => m[1]);
}

describe("bench/memory.ts", () => {
  it("turns on the LINUX profile's ble flag only, and puts the stub first", async () => {
    const code = await bundle();
    const v = bleVariant(code);
    expect(v.startsWith(NRF_STUB)).toBe(true);
    const rest = v.slice(NRF_STUB.length);
    expect(rest.length).toBe(code.length);
    const diff = [...rest].map((c, i) => (c === code[i] ? -1 : i)).filter((i) => i >= 0);
    expect(diff.length).toBe(1);
    expect(code.slice(diff[0] - 1, diff[0] + 1)).toBe("!1");
    expect(code.lastIndexOf('name:"LINUX"', diff[0])).toBeGreaterThan(code.lastIndexOf("}", diff[0]));
  });

  it("the sync driver writes the documented RACP requests to the firmware's RACP characteristic", () => {
    const writes = [...SYNC_DRIVER.matchAll(/NRF\.k\.sd\["([^"]+)"\]\["([^"]+)"\]\.onWrite\(\{data:\[([^\]]*)\]\}\)/g)];
    expect(writes.map((m) => [m[1], m[2]])).toEqual([[SERVICE_UUID, RACP_UUID], [SERVICE_UUID, RACP_UUID]]);
    // notification size 240 (docs/protocol.md 3.2), then every stored record
    expect(writes.map((m) => m[3].split(",").map(Number))).toEqual([[OP_NOTIFY_SIZE, OPR_NULL, 240], [OP_REPORT, OPR_ALL]]);
    // the stub ends the run at the RACP response to the report: op, operator null, request op, code
    expect(NRF_STUB).toContain(`r.value[0]==${OP_RESPONSE}`);
  });

  it("the stub NRF has every NRF call the firmware makes", () => {
    const members = stubMembers();
    const src = readFileSync("firmware/hw/ble.ts", "utf8") + readFileSync("firmware/main.ts", "utf8");
    const used = new Set([...src.matchAll(/\b(?:nrf|NRF)\.([A-Za-z]+)\(/g)].map((m) => m[1]));
    expect(used.size).toBeGreaterThan(5);
    for (const name of used) expect(members, `NRF.${name}`).toContain(name);
  });
});
