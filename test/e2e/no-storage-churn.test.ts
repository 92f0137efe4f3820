// Issue 12, item 3: after flashing, the firmware writes Storage only for rare deliberate changes (a new config)
// and never a Storage file header: no compaction (a power cut inside a compaction can destroy .bootcde:
// test/sim/storage-compaction.test.ts) and no header that a power cut could tear in Storage's last page (the
// interpreter then erases Storage whole: test/sim/storage-torn-header.test.ts). A config change is a slot of the
// file flash.sh pre-allocated (docs/config.md "In flash"). Per-event state (session marker, crash history)
// lives in the state area of the log region (firmware/log/state.ts).
import { bootCodeBytes } from "../../sim/device.js";
import { beforeAll, describe, expect, it } from "vitest";
import { Cap, capLog, firmwareBundle, stranger, TYPE } from "./harness.js";
import { EspruinoStorage } from "../../sim/storage.js";
import { CFG_FILE_SIZE, CFG_SLOTS } from "../../firmware/config/cfgfile.js";

function storage(cap: Cap): EspruinoStorage {
  const b = cap.device.board;
  return new EspruinoStorage(cap.device.flash, b.storageAddress, b.storagePages);
}

/** Storage file headers on flash, live and replaced (each file written is one). */
function headers(cap: Cap): number {
  const s = storage(cap).stats();
  return s.fileCount + s.trashCount;
}

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
    expect(st.list().sort()).toEqual([".bootcde", "pencap.cfg", "pencap.key"]); // as flash.sh left it
  });

  it("a week with config changes writes no Storage header: each change is a slot of the pre-allocated file; when it is full the app is told", async () => {
    const cap = new Cap(bundle);
    const st = storage(cap);
    const before = headers(cap);
    const cfgAt = st.readMapped("pencap.cfg")!.addr - cap.device.board.storageAddress; // data of pencap.cfg in Storage
    const flashed = storageBytes(cap);
    const { client } = stranger(cap, { mtu: 53, bonded: true });
    const results: number[] = [];
    for (let day = 0; day < 7; day++) {
      await cap.settle(client.open());
      for (let i = 0; i < 3; i++) results.push((await cap.settle(client.writeConfig(config(0x70 + day * 3 + i)))).result);
      await cap.settle(client.close());
      cap.dose(15, 30);
      if (day === 3) {
        cap.device.reboot("software");
        cap.run(5);
      }
      cap.run(86400);
    }
    // 21 writes, each a new block: the 16 slots take 16 of them, then 0x04 "not stored" (CONFIG_STORE)
    expect(results.slice(0, CFG_SLOTS)).toEqual(new Array(CFG_SLOTS).fill(0));
    expect(results.slice(CFG_SLOTS)).toEqual(new Array(21 - CFG_SLOTS).fill(0x04));
    expect(headers(cap)).toBe(before);
    expect(cap.device.runtime!.storage.compactions).toBe(0);
    // every byte of Storage but the config file's data is as flashed
    const now = storageBytes(cap);
    for (let i = 0; i < now.length; i++) if (i < cfgAt || i >= cfgAt + CFG_FILE_SIZE) expect(now[i], `Storage byte ${i}`).toBe(flashed[i]);
    expect(Buffer.compare(Buffer.from(st.readBytes(".bootcde")!), Buffer.from(bootCodeBytes(bundle)))).toBe(0);
    expect(st.isValid()).toBe(true);
    // the newest stored config is in force after a reboot
    cap.device.reboot("software");
    cap.run(5);
    await cap.settle(client.open());
    const r = await cap.settle(client.readConfig());
    await cap.settle(client.close());
    expect(r.bytes[4]).toBe(0x70 + CFG_SLOTS - 1);
    // the cap still runs, records and serves its log
    cap.dose(20, 10);
    const s = await capLog(cap);
    expect(s.records.some((r) => r.type === TYPE.DOSE && r.a === 20)).toBe(true);
    expect(s.records.filter((r) => r.type === TYPE.CONFIG_CHANGED).length).toBe(CFG_SLOTS);
    expect(cap.device.errors).toEqual([]);
  });
});
