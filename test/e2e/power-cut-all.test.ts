// The exhaustive power-cut test (issue 12): a power cut at every flash word write and every page erase of the
// first boot after flashing, of a boot, of a whole cap session and of a config change, on the real bundle.
// After each cut the power comes back and the cap must boot, record a dose and serve its whole log to a bonded
// phone, with every record it held before the cut unchanged, .bootcde intact and Storage never found corrupt.
// Each case starts from the same flash image and seed, so the k-th operation of the probe run is the k-th
// operation of the case (the simulator is deterministic).
import { beforeAll, describe, expect, it } from "vitest";
import { Buffer } from "node:buffer";
import { Cap, capLog, firmwareBundle, stranger, TYPE } from "./harness.js";
import { EspruinoStorage } from "../../sim/storage.js";
import { bootCodeBytes } from "../../sim/device.js";
import { fillLogScript } from "../../bench/prelude.js";
import type { PowerCutPlan } from "../../sim/flash/nor.js";
import type { DoseRecord } from "../../client/record.js";

const NEW_CONFIG = Uint8Array.from([0x01, 0x01, 0x0f, 0x06, 0x78, 0x02, 0x1e, 0x00, 0x00, 0x00, 0x58, 0x02, 0x4e, 0x6f, 0x76, 0x6f, 0x52, 0x61, 0x70, 0x69, 0x64, 0, 0, 0, 0, 0, 0, 0]);

interface Phase {
  name: string;
  /** The flash to start from (undefined: a freshly flashed cap) and the records it holds. */
  start: () => Promise<{ flash: Uint8Array | undefined; records: DoseRecord[] }>;
  /** true: the cut may land in the boot itself (armed before it); false: the cap boots, then `act` runs. */
  inBoot: boolean;
  act: (cap: Cap) => Promise<void>;
  /** Flash.getFree() pages (default: the board profile's). */
  freePages?: number;
}

function ops(cap: Cap): { w: number; e: number } {
  return { w: cap.device.flash.wordWrites, e: cap.device.flash.erases };
}

function bootcde(cap: Cap): Uint8Array | undefined {
  const b = cap.device.board;
  return new EspruinoStorage(cap.device.flash, b.storageAddress, b.storagePages).readBytes(".bootcde");
}

describe("a power cut at every flash operation", () => {
  let bundle: string;
  let lived: { flash: Uint8Array; records: DoseRecord[] };
  beforeAll(async () => {
    bundle = await firmwareBundle();
    // A cap that has lived a little: two doses, synced (its log and state area hold records).
    const cap = new Cap(bundle, { seed: 7 });
    cap.run(60);
    cap.dose(20, 60);
    cap.dose(12, 60);
    await cap.appSync();
    cap.run(700);
    const s = await capLog(cap);
    lived = { flash: cap.flashImage(), records: s.records };
  });

  const phases: Phase[] = [
    {
      name: "the first boot after flashing",
      start: async () => ({ flash: undefined, records: [] }),
      inBoot: true,
      act: async (cap) => cap.run(60),
    },
    {
      name: "a boot",
      start: async () => lived,
      inBoot: true,
      act: async (cap) => cap.run(60),
    },
    {
      name: "a cap session (removal, dose, recap)",
      start: async () => lived,
      inBoot: false,
      act: async (cap) => {
        cap.dose(25, 30);
      },
    },
    {
      name: "a config change from the app",
      start: async () => lived,
      inBoot: false,
      act: async (cap) => {
        const { client } = stranger(cap, { mtu: 53, bonded: true });
        try {
          await cap.settle(client.open());
          await cap.settle(client.writeConfig(NEW_CONFIG));
          await cap.settle(client.close());
        } catch {
          // the cut ends the connection
        }
        cap.run(5);
      },
    },
    {
      // 3 log pages, full: this boot retires and erases the oldest page (the spare), and the session after it
      // fills the head page and opens the next one
      name: "a boot and a session at the log's wrap (retire, erase, page change)",
      freePages: 5,
      start: async () => {
        const cap = new Cap(bundle, { seed: 7, freePages: 5 });
        cap.run(30);
        cap.device.evaluate(await fillLogScript(759, 1772409600)); // seqs 2..760: the head page 2 slots short
        const flash = cap.flashImage();
        // what the cap holds and must keep: page 2 (seqs 509..760). Page 0 goes with this wrap, and page 1 with the
        // spare prepared once the session has opened page 0 (the ring keeps its newest (pages - 1) pages).
        const look = new Cap(bundle, { seed: 7, flash, freePages: 5 });
        look.run(30);
        const s = await capLog(look);
        return { flash, records: s.records.filter((r) => r.seq > 508 && r.seq <= 760) };
      },
      inBoot: true,
      act: async (cap) => {
        cap.run(30);
        for (let i = 0; i < 2; i++) cap.dose(15, 30); // BOOT and the first DOSE fill the page, the second opens the next
      },
    },
  ];

  for (const ph of phases) {
    it(`${ph.name}: the cap boots, records and serves its log after each cut`, async () => {
      const st = await ph.start();
      const boot = bootCodeBytes(bundle); // as flash.sh stores it: pretokenised
      const fresh = (cutAt?: PowerCutPlan) => new Cap(bundle, { seed: 7, flash: st.flash, cutAt, freePages: ph.freePages });
      // The probe: how many word writes and erases the phase makes.
      const probe = fresh();
      const before = ph.inBoot ? { w: 0, e: 0 } : (probe.run(60), ops(probe));
      await ph.act(probe);
      const after = ops(probe);
      const writes = after.w - before.w;
      const erases = after.e - before.e;
      expect(writes).toBeGreaterThan(0);
      const plans: PowerCutPlan[] = [];
      for (let at = 1; at <= writes; at++) plans.push({ kind: "wordWrite", at });
      for (let at = 1; at <= erases; at++) plans.push({ kind: "erase", at });
      const failures: string[] = [];
      for (const plan of plans) {
        const cap = ph.inBoot ? fresh(plan) : fresh();
        if (!ph.inBoot) {
          cap.run(60);
          cap.device.cutPowerAt(plan);
        }
        await ph.act(cap);
        const where = `${plan.kind} #${plan.at}`;
        if (cap.device.running) {
          failures.push(`${where}: the cut never fired`);
          continue;
        }
        cap.run(5);
        cap.device.powerOn();
        cap.run(60);
        const b = bootcde(cap);
        if (!b || Buffer.compare(Buffer.from(b), Buffer.from(boot)) !== 0) failures.push(`${where}: .bootcde damaged`);
        if (cap.device.storageResets) failures.push(`${where}: Storage found corrupt`);
        if (!cap.device.running) failures.push(`${where}: not running after the power came back`);
        const errs = cap.device.errors.map((e) => e.message);
        if (errs.length) failures.push(`${where}: errors ${errs.join("; ")}`);
        cap.dose(30, 10);
        let s: Awaited<ReturnType<typeof capLog>>;
        try {
          s = await capLog(cap);
        } catch (e) {
          failures.push(`${where}: log not served (${e instanceof Error ? e.message : String(e)})`);
          continue;
        }
        const bySeq = new Map(s.records.map((r) => [r.seq, r]));
        for (const r of st.records) {
          const now = bySeq.get(r.seq);
          if (!now || JSON.stringify(now) !== JSON.stringify(r)) failures.push(`${where}: record ${r.seq} lost or changed`);
        }
        const newest = s.records[s.records.length - 1];
        const dose = s.records.find((r) => r.type === TYPE.DOSE && r.a === 30);
        if (!dose) failures.push(`${where}: the dose after the cut was not recorded (newest ${JSON.stringify(newest)})`);
        if (s.badChecks) failures.push(`${where}: ${s.badChecks} records with bad checks served`);
        if (s.status.alertBits & 16) failures.push(`${where}: no flash log`);
      }
      expect(failures).toEqual([]);
      // (figures for the report: how many cases ran)
      console.log(`${ph.name}: ${writes} word writes, ${erases} erases cut`);
    });
  }
});
