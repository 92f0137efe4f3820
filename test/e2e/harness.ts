// End-to-end harness: the real bundle (built from firmware/ by the gate, never a copy of its logic) on a
// simulated MDBT42Q cap, with the simulated radio, a phone and the companion app (sim/integration.ts, sim/app.ts).
// Everything runs in virtual time.
import { buildFirmware } from "../../scripts/gate/index.mjs";
import { SimDevice } from "../../sim/device.js";
import { CapRadio } from "../../sim/integration.js";
import { SimApp } from "../../sim/app.js";
import { SimTransport } from "../../client/sim-transport.js";
import { PenCapClient } from "../../client/client.js";
import { sync } from "../../client/sync.js";
import { RecordStore } from "../../client/store.js";
import { decodeRecord, encodeRecord, type DoseRecord } from "../../client/record.js";
import { SERVICE, RACP, RECORDS, TIME, CONFIG, STATUS } from "../../client/protocol.js";
import type { SimCentral } from "../../sim/ble/index.js";
import type { PowerCutPlan } from "../../sim/flash/nor.js";
import { EspruinoStorage } from "../../sim/storage.js";

/** The passkey flash.sh put on the example cap (scripts/flash/passkey.mjs makes a random one per cap). */
export const PASSKEY = "246810";

let built: Promise<string> | null = null;

/** The minified bundle as `node build.mjs` makes it (not written to dist/: test files run in parallel). */
export function firmwareBundle(): Promise<string> {
  if (!built) {
    built = (async () => {
      const r = await buildFirmware({ entry: "firmware/main.ts", outfile: "dist/firmware.js", write: false });
      if (!r.ok) throw new Error("firmware build refused: " + JSON.stringify(r.problems.slice(0, 3)));
      let code = r.code as string;
      // Mutation check (manual): E2E_MUTATE="from=>to" rewrites the bundle, so one can see a test fail.
      const m = process.env.E2E_MUTATE;
      if (m) {
        const [from, to] = m.split("=>");
        if (!code.includes(from)) throw new Error(`E2E_MUTATE: "${from}" is not in the bundle`);
        code = code.split(from).join(to ?? "");
      }
      return code;
    })();
  }
  return built;
}

/** Scenario start used for the phone's wall clock (2026-03-02T00:00:00Z). */
export const START_UNIX = 1772409600;

export interface CapOptions {
  seed?: number;
  /** SimDeviceOptions.hangGuard (default on). */
  hangGuard?: boolean | number;
  /** Bundle installed in Storage as .bootcde, as flash.sh does (default true). */
  installBundle?: boolean;
  /** Flash.getFree() pages of the board (default: the board profile's). */
  freePages?: number;
  /** Flash contents to start from (a copy of another cap's flashImage()), loaded before the first boot. */
  flash?: Uint8Array;
  /** A power cut armed before the first boot (NorFlash.cutPowerAt): it can land in that boot. */
  cutAt?: PowerCutPlan;
  /** The cell's open-circuit voltage (default: a fresh cell's state of charge model). */
  volts?: number;
  /** The cap's passkey file (pencap.key) as flash.sh writes it; null: not provisioned. Default PASSKEY. */
  passkey?: string | null;
  /** Do not power on in the constructor (a test that wants to act before the first boot). */
  noPowerOn?: boolean;
  /** Called at every boot once the radio is reset, before the firmware runs (e.g. a phone connects then). */
  onBoot?: (radio: import("../../sim/ble/index.js").SimRadio) => void;
}

/** One simulated cap with its radio and the patient's phone/app. */
export class Cap {
  readonly device: SimDevice;
  readonly radio = new CapRadio();
  readonly app: SimApp;
  constructor(bundle: string, o: CapOptions = {}) {
    this.device = new SimDevice({
      board: "PENCAP",
      seed: o.seed ?? 1,
      bundle,
      installBundle: o.installBundle ?? true,
      nrf: o.onBoot
        ? (env) => {
            const n = this.radio.factory(env);
            o.onBoot!(this.radio.radio);
            return n;
          }
        : this.radio.factory,
      hangGuard: o.hangGuard ?? true,
      freePages: o.freePages,
    });
    if (o.flash) this.device.flash.bytes.set(o.flash);
    // The passkey as flash.sh stores it, before any armed cut (flashing is not a field operation); an image of
    // another cap already holds its own.
    const pk = o.passkey === undefined ? PASSKEY : o.passkey;
    const b = this.device.board;
    const storage = new EspruinoStorage(this.device.flash, b.storageAddress, b.storagePages);
    if (pk !== null && !storage.list().includes("pencap.key")) this.device.installFile("pencap.key", new Uint8Array(Buffer.from(pk, "ascii")));
    if (o.cutAt) this.device.cutPowerAt(o.cutAt);
    if (o.volts !== undefined) this.device.battery.setVolts(o.volts);
    this.device.setCap(true);
    if (!o.noPowerOn) this.device.powerOn();
    this.app = new SimApp(this.device, { startUnix: START_UNIX, central: () => this.radio.central() });
  }
  get clock() {
    return this.device.clock;
  }
  /** Runs virtual time forward. */
  run(seconds: number): void {
    this.clock.runUntil(this.clock.now() + seconds);
  }
  settle<T>(p: Promise<T>, maxSeconds = 3600): Promise<T> {
    return this.clock.settle(p, maxSeconds);
  }
  /** One cap-off session of `seconds`, then a few seconds with the cap on. */
  dose(seconds = 20, after = 5): void {
    this.device.setCap(false);
    this.run(seconds);
    this.device.setCap(true);
    this.run(after);
  }
  /** The bonded patient's app: connect, sync, disconnect. Returns what the sync added. */
  async appSync(mtu = 53): Promise<number> {
    await this.settle(this.app.connect({ mtu, bonded: true }));
    const r = await this.settle(this.app.sync({}));
    await this.settle(this.app.disconnect());
    return r.records;
  }
  store(): RecordStore {
    const s = this.app.records();
    if (!s) throw new Error("the app never connected");
    return s;
  }
  /** Raw flash bytes (log pages, Storage: config, crash history, markers). */
  flashImage(): Uint8Array {
    return this.device.flash.bytes.slice();
  }
  /** The cap's clock as the firmware sees it. */
  capTime(): number {
    return this.device.getTime();
  }
}

/** A second phone (another central) talking the protocol through the real client. */
let phones = 0;
export function stranger(cap: Cap, o: { mtu?: number; bonded?: boolean } = {}) {
  phones++;
  const central = cap.radio.radio.central({ address: `66:77:88:00:00:${(phones & 0xff).toString(16).padStart(2, "0")} public` }) as SimCentral;
  const transport = new SimTransport(central as never, { mtu: o.mtu ?? 23, bonded: o.bonded ?? false, intervalMs: 30, notificationsPerEvent: 4 });
  const client = new PenCapClient(transport);
  return { central, transport, client };
}

export const UUID = { SERVICE, RACP, RECORDS, TIME, CONFIG, STATUS };

/** Decodes every 16-byte record of a notification (undefined entries = bad check). */
export function recordsOf(d: Uint8Array): Array<DoseRecord | undefined> {
  const out: Array<DoseRecord | undefined> = [];
  for (let o = 0; o + 16 <= d.length; o += 16) out.push(decodeRecord(d, o));
  return out;
}

/** Attempts an operation; resolves with the rejection (ATT error / link) or "ok". */
export async function attempt(cap: Cap, p: Promise<unknown>): Promise<{ ok: true; value: unknown } | { ok: false; err: any }> {
  try {
    const value = await cap.settle(p, 600);
    return { ok: true, value };
  } catch (err) {
    return { ok: false, err };
  }
}

export { sync, RecordStore };

/**
 * Everything the cap still reports, through a bonded phone of its own (a fresh store: not what the patient's app
 * remembers): report all, plus Status.
 */
export async function capLog(cap: Cap, mtu = 53): Promise<{ records: DoseRecord[]; badChecks: number; status: import("../../client/client.js").Status }> {
  const { client } = stranger(cap, { mtu, bonded: true });
  await cap.settle(client.open());
  const records: DoseRecord[] = [];
  const r = await cap.settle(client.reportAll((x) => records.push(x)));
  if (r.responseCode !== 0x01) throw new Error("report all answered " + r.responseCode);
  const status = await cap.settle(client.readStatus());
  await cap.settle(client.close());
  cap.run(1);
  return { records, badChecks: r.badChecks, status };
}

/** Offset in the cap's flash bytes of the 16-byte slot holding `r` as encoded (-1 if none): to damage it. */
export function recordOffsetInFlash(cap: Cap, r: DoseRecord): number {
  const bytes = encodeRecord(r);
  const flash = cap.device.flash.bytes;
  for (let o = 0; o + 16 <= flash.length; o += 16) {
    let same = true;
    for (let k = 0; k < 16 && same; k++) same = flash[o + k] === bytes[k];
    if (same) return o;
  }
  return -1;
}

/** Record types (docs/protocol.md §2). */
export const TYPE = {
  DOSE: 0x01, CAP_CHECK: 0x02, UNCERTAIN_DOSE: 0x03, TIME_SET: 0x06, BOOT: 0x07, ERROR: 0x0a, SAFE_MODE: 0x0d, CONFIG_CHANGED: 0x0e, DELETE: 0x0c,
} as const;
/** Flags bit2: session interrupted by a reboot. */
export const F_INTERRUPTED = 0x04;
