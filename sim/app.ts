// The companion app as scenario events drive it: the real protocol client (client/) over the simulated phone
// (sim/ble's SimCentral), with the app's own record store. It knows only what crossed the radio; the summary's
// recorded/synced/lost figures come from here, never from the firmware's internals.
import { PenCapClient } from "../client/client.js";
import { SimTransport } from "../client/sim-transport.js";
import { RecordStore } from "../client/store.js";
import { sync } from "../client/sync.js";
import { reconstruct } from "../client/timeline.js";
import { T, DIS, DIS_SERIAL, SERVICE, RECORDS, RACP, TIME, STATUS, CONFIG } from "../client/protocol.js";
import type { SimCentral } from "./ble/index.js";
import type { SimDevice } from "./device.js";
import type { AppDose, AppReport, ScenarioApp } from "./runner.js";

/** Flag bit1 on a record: the DOSE just before it may have been a priming shot (docs/detection.md). */
const F_PRIMING = 0x02;

const CHARACTERISTICS: Record<string, string> = {
  records: RECORDS,
  racp: RACP,
  time: TIME,
  status: STATUS,
  config: CONFIG,
};

export interface SimAppOptions {
  /** Unix seconds of scenario time 0: the phone's wall clock is start + virtual time. */
  startUnix: number;
  /** The phone, which outlives the cap's reboots. */
  central: () => SimCentral;
}

/** A failure of the simulated app, with a machine-readable code. */
export class AppError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "AppError";
  }
}

export class SimApp implements ScenarioApp {
  private client: PenCapClient | null = null;
  private store: RecordStore | null = null;
  private badChecks = 0;
  constructor(
    readonly device: SimDevice,
    readonly opts: SimAppOptions,
  ) {}

  private wallNow(): number {
    return Math.floor(this.opts.startUnix + this.device.clock.now());
  }

  async connect(o: { mtu?: number; bonded?: boolean }): Promise<void> {
    // A cap without power does not advertise: the phone finds nothing (a real app gives up after its scan
    // timeout). Said at once, rather than waiting in virtual time for power that may come back days later.
    if (!this.device.flash.powered || !this.device.battery.present) {
      throw new AppError("CAP_UNPOWERED", "the cap is not powered (battery out or power cut): it does not advertise");
    }
    const central = this.opts.central();
    // A phone the patient paired once stays bonded; "bonded: false" is a stranger's phone.
    const transport = new SimTransport(central as never, {
      mtu: o.mtu ?? 23,
      bonded: o.bonded ?? true,
      intervalMs: 30,
      notificationsPerEvent: 4,
    });
    const client = new PenCapClient(transport);
    await client.open();
    this.client = client;
    if (!this.store) {
      const serial = new TextDecoder().decode(await transport.read(DIS, DIS_SERIAL));
      this.store = new RecordStore(serial);
    }
    // Apps set the cap's clock on every connection; the cap logs each change (TIME_SET).
    const t = await client.readTime();
    if (!t.isSet || Math.abs(t.time - this.wallNow()) > 2) await client.setTime(this.wallNow());
  }

  async sync(o: { dropAfterRecords?: number }): Promise<{ records: number; note?: string }> {
    const client = this.need();
    const store = this.store!;
    if (o.dropAfterRecords !== undefined) {
      const limit = o.dropAfterRecords;
      const central = this.opts.central();
      const before = store.records.size;
      const orig = store.add.bind(store);
      store.add = (r) => {
        const added = orig(r);
        if (store.records.size - before >= limit && central.connected) central.dropLink();
        return added;
      };
      try {
        const r = await sync(client, store);
        this.badChecks += r.badChecks;
        return { records: r.added, note: r.complete ? undefined : "link lost mid-sync; the next sync resumes" };
      } finally {
        store.add = orig;
      }
    }
    const r = await sync(client, store);
    this.badChecks += r.badChecks;
    return { records: r.added, note: r.complete ? undefined : "incomplete; the next sync resumes" };
  }

  async write(characteristic: string, hex: string): Promise<void> {
    const uuid = CHARACTERISTICS[characteristic.toLowerCase()];
    if (!uuid) throw new Error(`unknown characteristic "${characteristic}" (one of ${Object.keys(CHARACTERISTICS).join(", ")})`);
    const clean = hex.replace(/[\s:]/g, "");
    if (!/^([0-9a-fA-F]{2})*$/.test(clean)) throw new Error(`"${hex}" is not hex bytes`);
    const bytes = Uint8Array.from(clean.match(/../g) ?? [], (h) => parseInt(h, 16));
    await this.need().transport.write(SERVICE, uuid, bytes, true);
  }

  async drop(): Promise<void> {
    const central = this.opts.central();
    if (central.connected) central.dropLink();
  }

  async disconnect(): Promise<void> {
    if (this.client?.isConnected) await this.client.close();
  }

  report(): AppReport {
    const store = this.store;
    if (!store) return { doses: [], recordsWritten: null, recordsSynced: 0, recordsLost: null, recordsCorrupt: this.badChecks };
    const sorted = store.sorted();
    const wall = reconstruct(sorted);
    const doses: AppDose[] = [];
    for (let i = 0; i < sorted.length; i++) {
      const r = sorted[i];
      // An uncertain dose (cap off too long, or a session cut by a reboot) is a dose the app shows with a warning.
      if (r.type !== T.DOSE && r.type !== T.UNCERTAIN_DOSE) continue;
      // The priming hint rides on the next session record (append-only log, docs/detection.md).
      let possiblePriming = false;
      for (let k = i + 1; k < sorted.length; k++) {
        const n = sorted[k];
        if (n.type === T.DOSE || n.type === T.CAP_CHECK || n.type === T.UNCERTAIN_DOSE) {
          possiblePriming = (n.flags & F_PRIMING) !== 0;
          break;
        }
      }
      const w = wall.get(r.seq)?.wall;
      doses.push({ t: w === undefined ? null : w - this.opts.startUnix, possiblePriming, uncertain: r.type === T.UNCERTAIN_DOSE });
    }
    const status = store.lastStatus;
    const newest = Math.max(store.newestHeld(), status ? status.newestSeq : -1);
    const gaps = store.gaps();
    const lost = gaps.filter((g) => g.kind === "missing" || g.kind === "unconfirmed");
    // Seqs run from 1; those a SEQ_SKIPPED record names were never completed, so were never written.
    const skipped = gaps.filter((g) => g.kind === "skipped").reduce((n, g) => n + (g.to - g.from + 1), 0);
    const byKind: Record<string, number> = {};
    for (const g of gaps) byKind[g.kind] = (byKind[g.kind] ?? 0) + (g.to - g.from + 1);
    return {
      doses,
      gaps: byKind,
      recordsWritten: newest >= 1 ? newest - skipped : null,
      recordsSynced: store.records.size,
      recordsLost: lost.reduce((n, g) => n + (g.to - g.from + 1), 0),
      recordsCorrupt: this.badChecks,
    };
  }

  /** The app's store, for tests and exports. */
  records(): RecordStore | null {
    return this.store;
  }

  private need(): PenCapClient {
    if (!this.client || !this.client.isConnected) throw new Error("the app is not connected (appConnect first)");
    return this.client;
  }
}
