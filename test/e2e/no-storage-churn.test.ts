// Issue 12, item 3: after flashing, the firmware writes Storage only for rare deliberate changes (a new config)
// and never in a way that can trigger Storage compaction (a power cut inside a compaction can destroy .bootcde:
// test/sim/storage-compaction.test.ts). Per-event state (session marker, crash history) lives in the state area
// of the log region (firmware/log/state.ts).
import { beforeAll, describe, expect, it } from "vitest";
import { Cap, capLog, firmwareBundle, stranger, TYPE } from "./harness.js";
import { EspruinoStorage } from "../../sim/storage.js";

function storageBytes(cap: Cap): Uint8Array {
  const b = cap.device.board;
  const off = b.storageAddress - cap.device.flash.baseAddress;
  return cap.device.flash.bytes.slice(off, off + b.storagePages * b.pageSize);
}

function config(byte: number): Uint8Array {
  // docs/config.md: the default block with the double-dose window (byte 4) changed
  return Uint8Array.from([0x01, 0x01, 0x0f, 0x06, byte, 0x02, 0x1e, 0x00, 0x00, 0x00, 0x58, 0x02, ...new Array(16).fill(0)]);
}

describe("no Storage churn in the field", () => {
  let bundle: string;
  beforeAll(async () => {
    bundle = await firmwareBundle();
  });

  it("sessions, reboots, crashes-free weeks and syncs leave Storage byte for byte as flashed", async () => {
    const cap = new Cap(bundle);
    const flashed = storageBytes(cap); // right after the first boot
    for (let i = 0; i < 60; i++) {
      cap.dose(10 + (i % 20), 30);
      if (i % 10 === 9) {
        cap.device.reboot("software");
        cap.run(5);
      }
      if (i % 20 === 0) await cap.appSync();
    }
    cap.run(7 * 86400);
    await cap.appSync();
    expect(Buffer.compare(Buffer.from(storageBytes(cap)), Buffer.from(flashed))).toBe(0);
    expect(cap.app.report().doses.length).toBe(60);
    const st = new EspruinoStorage(cap.device.flash, cap.device.board.storageAddress, cap.device.board.storagePages);
    expect(st.list()).toEqual([".bootcde", "pencap.key"]); // as flash.sh left it
  });

  it("config changes: each stored only where it fits, never a compaction; when Storage is full the app is told", async () => {
    const cap = new Cap(bundle);
    const { client } = stranger(cap, { mtu: 53, bonded: true });
    await cap.settle(client.open());
    const results: number[] = [];
    for (let i = 0; i < 300; i++) {
      const r = await cap.settle(client.writeConfig(config(0x70 + (i % 2))));
      results.push(r.result);
      if (r.result !== 0) break;
    }
    await cap.settle(client.close());
    cap.run(5);
    // ~6.5 KB free after the bundle, 60 bytes a copy: about a hundred changes, then "not stored" (0x04)
    expect(results.filter((r) => r === 0).length).toBeGreaterThan(50);
    expect(results[results.length - 1]).toBe(0x04);
    expect(cap.device.runtime!.storage.compactions).toBe(0);
    const st = new EspruinoStorage(cap.device.flash, cap.device.board.storageAddress, cap.device.board.storagePages);
    expect(Buffer.from(st.readBytes(".bootcde")!).toString("utf8")).toBe(bundle);
    expect(st.isValid()).toBe(true);
    // the cap still runs, records and serves its log
    cap.dose(20, 10);
    const s = await capLog(cap);
    expect(s.records.some((r) => r.type === TYPE.DOSE && r.a === 20)).toBe(true);
    expect(cap.device.errors).toEqual([]);
  });
});
