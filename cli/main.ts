// pencap: the command line of the companion client (docs/cli.md). `npx pencap <command>` in the repository.
// Commands share one data model: the encrypted vault (client/vault.ts, a file per user) or an export file.
import { readFile, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { FileBackend } from "../client/node";
import { Vault, VaultError } from "../client/vault";
import { RecordStore } from "../client/store";
import { fromExportJSON, rows, toCSV, toJSON, ClientError } from "../client/export";
import { toNightscout, uploadTreatments, NightscoutError, type NightscoutOptions } from "../client/nightscout";
import { clinicianReport, doseEvents, type ScheduleSlot } from "../client/stats";
import { PenCapClient, WRITE_RESULT } from "../client/client";
import { WebBluetoothTransport } from "../client/web-bluetooth";
import { sync } from "../client/sync";
import { renderReportHtml, htmlToPdf, PdfUnavailable } from "./report";

export interface Io {
  env: Record<string, string | undefined>;
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  /** Asks for the passphrase on a terminal; undefined when there is none. */
  prompt?: (question: string) => Promise<string>;
  /** navigator.bluetooth for `pull` (tests inject one; else the `webbluetooth` package). */
  bluetooth?: () => Promise<Bluetooth>;
  now?: () => Date;
}

/** A failure the user can act on: a code for scripts, a sentence for people. */
export class CliError extends Error {
  constructor(readonly code: string, message: string, readonly exitCode = 1) {
    super(message);
  }
}

export const USAGE = `usage: pencap <command> [options]

commands:
  pull      sync a real cap over Bluetooth into the encrypted vault  [--name PenCap-XXXX] [--scan-seconds N]
  sim       run a simulator scenario and sync its cap into the vault  [--scenario FILE] [--out FILE.json]
  export    write the log                       --format json|csv|nightscout [--out FILE]
  upload    send the doses to Nightscout        --url URL [--api 1|3] [--dry-run]
  report    clinician report (PDF, or HTML)     [--days 14|30|90] [--schedule 22:00±120[:basal]]... [--out FILE.pdf|.html]
  list      caps held in the vault

data (export, upload, report): [--in EXPORT.json] (a pencap-export file) or the vault [--serial S]
common:   [--vault DIR] (default $PENCAP_HOME or ~/.pencap) [--tz Europe/Berlin] [--unset-insulin note|rapid|basal]
secrets:  PENCAP_PASSPHRASE (else asked on the terminal), NIGHTSCOUT_API_SECRET (v1), NIGHTSCOUT_TOKEN (v3)
`;

interface Args {
  cmd: string;
  opts: Map<string, string[]>;
  flags: Set<string>;
}
const FLAGS = new Set(["--dry-run", "--help", "-h"]);
function parse(argv: string[]): Args {
  const [cmd = "", ...rest] = argv;
  const opts = new Map<string, string[]>();
  const flags = new Set<string>();
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i];
    if (FLAGS.has(a)) flags.add(a);
    else if (a.startsWith("--")) {
      const v = rest[i + 1];
      if (v === undefined || v.startsWith("--")) throw new CliError("USAGE", `${a} needs a value`, 2);
      opts.set(a, [...(opts.get(a) ?? []), v]);
      i++;
    } else throw new CliError("USAGE", `unexpected argument "${a}"`, 2);
  }
  return { cmd, opts, flags };
}
const one = (a: Args, name: string) => a.opts.get(name)?.at(-1);
function allowOnly(a: Args, names: string[]) {
  for (const k of a.opts.keys()) if (!names.includes(k)) throw new CliError("USAGE", `${a.cmd} does not take ${k}`, 2);
}

async function passphrase(io: Io): Promise<string> {
  const p = io.env.PENCAP_PASSPHRASE ?? (io.prompt ? await io.prompt("vault passphrase: ") : undefined);
  if (!p) throw new CliError("NO_PASSPHRASE", "the vault needs a passphrase: set PENCAP_PASSPHRASE or run on a terminal");
  return p;
}
function vaultDir(a: Args, io: Io): string {
  return one(a, "--vault") ?? io.env.PENCAP_HOME ?? join(homedir(), ".pencap");
}
async function openVault(a: Args, io: Io): Promise<Vault> {
  return Vault.open(new FileBackend(vaultDir(a, io)), "pencap", await passphrase(io));
}

/** The log to work on: --in FILE, or the vault's (only or --serial) cap. */
async function source(a: Args, io: Io): Promise<{ store: RecordStore; label: string; syncedAt: number | undefined; timeZone?: string }> {
  const file = one(a, "--in");
  if (file) {
    let text: string;
    try {
      text = await readFile(file, "utf8");
    } catch (e) {
      throw new CliError("NO_INPUT", `cannot read ${file}: ${(e as Error).message}`);
    }
    const { store, doc } = fromExportJSON(text);
    return { store, label: file, syncedAt: Date.parse(doc.exportedAt) / 1000, timeZone: doc.timeZone };
  }
  const v = await openVault(a, io);
  const serials = v.serials();
  const want = one(a, "--serial");
  if (!serials.length) throw new CliError("EMPTY_VAULT", `the vault in ${vaultDir(a, io)} holds no cap yet: run "pencap pull" (or "pencap sim" for a demo) first, or pass --in FILE`);
  if (!want && serials.length > 1) throw new CliError("WHICH_CAP", `the vault holds several caps (${serials.join(", ")}): pass --serial`);
  const serial = want ?? serials[0];
  const store = v.load(serial);
  if (!store) throw new CliError("NO_SUCH_CAP", `no cap ${serial} in the vault (caps: ${serials.join(", ")})`);
  return { store, label: `vault (${serial})`, syncedAt: undefined };
}

function nsOptions(a: Args, timeZone: string | undefined): NightscoutOptions {
  const unset = one(a, "--unset-insulin");
  if (unset && !["note", "rapid", "basal"].includes(unset)) throw new CliError("USAGE", "--unset-insulin is note, rapid or basal", 2);
  return { timeZone: one(a, "--tz") ?? timeZone, unsetInsulinAs: unset as NightscoutOptions["unsetInsulinAs"] };
}

async function out(a: Args, io: Io, text: string, what: string) {
  const file = one(a, "--out");
  if (file) {
    await writeFile(file, text);
    io.stderr(`wrote ${what} to ${file}\n`);
  } else io.stdout(text);
}

async function syncInto(client: PenCapClient, v: Vault, io: Io, label: string) {
  const store = v.load(client.serial) ?? new RecordStore(client.serial);
  const before = store.records.size;
  let r;
  try {
    r = await sync(client, store);
  } finally {
    // whatever arrived before an error is kept (the cap still has it too; the next pull resumes after it)
    if (store.records.size !== before) await v.save(store);
  }
  if (store.records.size === before) await v.save(store); // lastStatus
  io.stderr(`${label}: cap ${client.serial}: ${r.added} new record(s), ${store.records.size} held${r.complete ? "" : " — sync incomplete (link lost); run pull again to resume"}\n`);
  if (r.badChecks) io.stderr(`  ${r.badChecks} record(s) failed their check and were not stored\n`);
  return { store, added: store.records.size - before, complete: r.complete };
}

async function loadBluetooth(io: Io, a: Args): Promise<Bluetooth> {
  const bt = io.bluetooth ? await io.bluetooth() : await packageBluetooth(a);
  if (typeof bt.getAvailability === "function" && !(await bt.getAvailability()))
    throw new CliError("NO_ADAPTER", "no Bluetooth adapter is available (is one plugged in and powered on? on Linux: is bluetoothd running and may this user use it?)");
  return bt;
}

async function packageBluetooth(a: Args): Promise<Bluetooth> {
  let mod: any;
  try {
    mod = await import(/* @vite-ignore */ "webbluetooth" as string);
  } catch {
    throw new CliError(
      "NO_BLUETOOTH_PACKAGE",
      'pull needs the optional "webbluetooth" package (SimpleBLE, prebuilt for Linux/macOS/Windows): npm install webbluetooth — see docs/cli.md',
    );
  }
  const name = one(a, "--name");
  const scanTime = Number(one(a, "--scan-seconds") ?? 10);
  // webbluetooth is CommonJS: its exports may sit under `default` when imported from ESM.
  const Ctor = mod.Bluetooth ?? mod.default?.Bluetooth;
  if (!Ctor) throw new CliError("NO_BLUETOOTH_PACKAGE", 'the installed "webbluetooth" package has no Bluetooth class (version 3 is expected)');
  const bt: Bluetooth = new Ctor({
    scanTime,
    // No chooser on a command line: returning true selects the device (the first cap, or the named one).
    deviceFound: (device: BluetoothDevice) => !name || device.name === name,
  });
  return bt;
}

/** "3 h 20 min ahead of" / "5 days behind": how far the cap's clock is from the computer's. */
function offBy(s: number): string {
  const a = Math.abs(s);
  const d = Math.floor(a / 86400);
  const h = Math.floor((a % 86400) / 3600);
  const m = Math.round((a % 3600) / 60);
  const txt = d >= 2 ? `${d} days` : d === 1 ? `1 day ${h} h` : h ? `${h} h ${m} min` : `${m} min`;
  return `${txt} ${s > 0 ? "ahead of" : "behind"}`;
}

async function cmdPull(a: Args, io: Io): Promise<number> {
  allowOnly(a, ["--name", "--scan-seconds", "--vault"]);
  const v = await openVault(a, io); // before the radio: a wrong passphrase must not cost a sync
  const bt = await loadBluetooth(io, a);
  const client = new PenCapClient(new WebBluetoothTransport(bt));
  try {
    await client.open();
  } catch (e) {
    const n = (e as { name?: string })?.name;
    if (n === "NotFoundError" || /no devices? found|cancel/i.test(String((e as Error)?.message)))
      throw new CliError("NO_CAP", "no pen cap found: bring the cap close and take it off and on again (it advertises for a while after that), then retry");
    if (n === "SecurityError" || n === "NotAllowedError") throw new CliError("NOT_PAIRED", "the cap refused this computer: pair it first (docs/protocol.md, pairing window)");
    throw e;
  }
  try {
    // As the app does on every connection: the cap's clock is set from this computer's when it is unset or off by
    // more than 2 s; the cap logs the change (TIME_SET), which places its relative times (docs/client.md).
    const now = Math.floor((io.now?.() ?? new Date()).getTime() / 1000);
    const t = await client.readTime();
    const setClock = async (at: number) => {
      const res = await client.setTime(at);
      if (res === WRITE_RESULT.ok) io.stderr(`set the cap's clock to ${new Date(at * 1000).toISOString()} (${t.isSet ? `it was ${t.time - now} s off` : "it was not set"})\n`);
      // 0x07: once set, the cap's clock moves by more than 15 min only with the cap in the patient's hand (the
      // pairing window, docs/protocol.md §3.3): a wrong or hostile phone cannot shift the record times by hours.
      else if (res === WRITE_RESULT.needsCap)
        io.stderr(
          `warning: the cap refused the clock change: its clock is ${offBy(t.time - now)} this computer's, and a change over 15 min needs the cap in hand. ` +
            `Hold the cap and do the 5-click gesture (take it off and put it back on 5 times within 6 s), then run "pencap pull" again. ` +
            `Until then its records keep the cap's own clock.\n`,
        );
      else if (res !== WRITE_RESULT.notSynced) io.stderr(`warning: the cap refused the clock setting (result ${res}); its records keep their own times\n`);
      return res;
    };
    // 0x81: the cap holds records no app has confirmed and its ring is full; set the clock after the sync.
    const first = !t.isSet || Math.abs(t.time - now) > 2 ? await setClock(now) : WRITE_RESULT.ok;
    const r = await syncInto(client, v, io, "pull");
    if (first === WRITE_RESULT.notSynced && r.complete) await setClock(Math.floor((io.now?.() ?? new Date()).getTime() / 1000));
    return r.complete ? 0 : 3;
  } finally {
    if (client.isConnected) await client.close();
  }
}

async function cmdSim(a: Args, io: Io): Promise<number> {
  allowOnly(a, ["--scenario", "--out", "--vault"]);
  const v = await openVault(a, io);
  // The simulator lives in this repository only (sim/): loaded on demand.
  const [{ buildFirmware }, { validateScenario }, { integrationFor }, { runScenario }] = await Promise.all([
    import("../scripts/gate/index.mjs"),
    import("../sim/scenario"),
    import("../sim/integration"),
    import("../sim/runner"),
  ]);
  const file = one(a, "--scenario") ?? "sim/scenarios/default.json";
  let sc;
  try {
    sc = validateScenario(JSON.parse(await readFile(file, "utf8")), file);
  } catch (e) {
    throw new CliError("BAD_SCENARIO", (e as Error).message);
  }
  const built = await buildFirmware({ entry: "firmware/main.ts", outfile: "dist/firmware.js", write: false });
  if (!built.ok) throw new CliError("BUILD", "the firmware does not build: run npm run build");
  const integ = integrationFor(sc);
  let app: { records(): RecordStore | null } | undefined;
  io.stderr(`simulating ${sc.name ?? file} ...\n`);
  const summary = await runScenario(sc, { bundle: built.code as string, nrf: integ.nrf, app: (d) => (app = integ.app!(d) as never), energy: null, hangGuardMs: 5000 });
  const simStore = app?.records();
  if (!simStore) throw new CliError("NO_CAP", "the scenario's app never reached the simulated cap");
  const store = v.load(simStore.serial) ?? new RecordStore(simStore.serial);
  let added = 0;
  for (const r of simStore.sorted()) if (store.add(r)) added++;
  for (const s of simStore.confirmedMissing) if (!store.records.has(s)) store.confirmedMissing.add(s);
  store.lastStatus = simStore.lastStatus;
  await v.save(store);
  io.stderr(`sim: cap ${store.serial}: ${added} new record(s), ${store.records.size} held (${summary.doses.true} true doses in the scenario)\n`);
  const o = one(a, "--out");
  if (o) {
    const end = new Date(Date.parse(sc.start ?? "2026-01-01T00:00:00Z") + summary.simulatedDays * 86400000);
    await writeFile(o, toJSON(store, { source: "sim", now: end, meta: { scenario: summary.scenario, file, summary } }) + "\n");
    io.stderr(`wrote the export to ${o}\n`);
  }
  return 0;
}

async function cmdExport(a: Args, io: Io): Promise<number> {
  allowOnly(a, ["--format", "--out", "--in", "--serial", "--vault", "--tz", "--unset-insulin"]);
  const format = one(a, "--format") ?? "json";
  const src = await source(a, io);
  if (format === "json") await out(a, io, toJSON(src.store, { source: one(a, "--in") ? "file" : "cap", timeZone: one(a, "--tz") ?? src.timeZone, now: io.now?.() }) + "\n", "JSON");
  else if (format === "csv") await out(a, io, toCSV(src.store), "CSV");
  else if (format === "nightscout") {
    const plan = toNightscout(src.store, nsOptions(a, src.timeZone));
    await out(a, io, JSON.stringify(plan.treatments, null, 2) + "\n", `${plan.treatments.length} Nightscout treatments`);
    if (plan.undatable.length) io.stderr(`${plan.undatable.length} dose(s) have no known time and are not in the treatments: ${plan.undatable.map((r) => r.id).join(", ")}\n`);
  } else throw new CliError("USAGE", `--format is json, csv or nightscout (got "${format}")`, 2);
  return 0;
}

async function cmdUpload(a: Args, io: Io): Promise<number> {
  allowOnly(a, ["--url", "--api", "--in", "--serial", "--vault", "--tz", "--unset-insulin"]);
  const url = one(a, "--url") ?? io.env.NIGHTSCOUT_URL;
  if (!url) throw new CliError("USAGE", "upload needs --url (or NIGHTSCOUT_URL)", 2);
  const api = Number(one(a, "--api") ?? (io.env.NIGHTSCOUT_TOKEN ? 3 : 1));
  if (api !== 1 && api !== 3) throw new CliError("USAGE", "--api is 1 or 3", 2);
  const secret = io.env.NIGHTSCOUT_API_SECRET;
  const token = io.env.NIGHTSCOUT_TOKEN;
  if (api === 1 && !secret) throw new CliError("NO_SECRET", "API v1 needs NIGHTSCOUT_API_SECRET in the environment");
  if (api === 3 && !token) throw new CliError("NO_SECRET", "API v3 needs NIGHTSCOUT_TOKEN (an access token) in the environment");
  const src = await source(a, io);
  const plan = toNightscout(src.store, nsOptions(a, src.timeZone));
  if (plan.undatable.length) io.stderr(`not uploaded: ${plan.undatable.length} dose(s) without a known time (${plan.undatable.map((r) => r.id).join(", ")})\n`);
  io.stderr(`${plan.primes.length} priming shot(s) left out\n`);
  if (a.flags.has("--dry-run")) {
    io.stdout(JSON.stringify(plan.treatments, null, 2) + "\n");
    return 0;
  }
  const r = await uploadTreatments({ url, api, secret, token }, plan.treatments);
  io.stdout(`uploaded to ${url} (API v${api}): ${r.created} created, ${r.updated} updated${r.moved ? ` (${r.moved} moved)` : ""}, ${r.unchanged} unchanged\n`);
  return 0;
}

function parseSlot(s: string): ScheduleSlot {
  const m = /^(\d{1,2}:\d{2})(?:[±+](\d+))?(?::(basal|rapid|any))?$/.exec(s);
  if (!m) throw new CliError("USAGE", `--schedule "${s}" is not HH:MM[±MINUTES][:basal|rapid|any], e.g. 22:00±120:basal`, 2);
  return { time: m[1], toleranceMinutes: Number(m[2] ?? 120), insulin: (m[3] as ScheduleSlot["insulin"]) ?? "any" };
}

async function cmdReport(a: Args, io: Io): Promise<number> {
  allowOnly(a, ["--days", "--tz", "--schedule", "--out", "--in", "--serial", "--vault", "--end"]);
  const days = Number(one(a, "--days") ?? 14);
  if (!Number.isInteger(days) || days < 1 || days > 366) throw new CliError("USAGE", "--days is a whole number of days (14, 30, 90)", 2);
  const src = await source(a, io);
  const tz = one(a, "--tz") ?? src.timeZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
  try {
    new Intl.DateTimeFormat("en", { timeZone: tz });
  } catch {
    throw new CliError("USAGE", `unknown time zone "${tz}" (an IANA name such as Europe/Berlin)`, 2);
  }
  const r = rows(src.store);
  const lastWall = Math.max(0, ...r.filter((x) => x.wallTime).map((x) => Date.parse(x.wallTime!) / 1000));
  const endIso = one(a, "--end");
  // The last day reported is the one holding the last instant the log covers: an export made at 00:00:00 covers
  // nothing of that day (the simulator's exports end exactly at midnight).
  const end = endIso ? Date.parse(endIso) / 1000 : src.syncedAt !== undefined ? src.syncedAt - 1 : lastWall || (io.now?.() ?? new Date()).getTime() / 1000;
  if (!Number.isFinite(end)) throw new CliError("USAGE", `--end "${endIso}" is not a date`, 2);
  const schedule = (a.opts.get("--schedule") ?? []).map(parseSlot);
  const rep = clinicianReport(r, { tz, days, endUnix: end, syncedAt: src.syncedAt ?? end, schedule });
  const html = renderReportHtml(rep, doseEvents(r).doses, { serial: src.store.serial, generatedAt: io.now?.() ?? new Date(), source: src.label });
  const file = one(a, "--out") ?? `pencap-report-${src.store.serial}-${rep.period.to}.pdf`;
  if (file.endsWith(".html")) {
    await writeFile(file, html);
    io.stderr(`wrote the report (HTML) to ${file}\n`);
  } else {
    try {
      const how = await htmlToPdf(html, file, io.env.CHROMIUM_PATH);
      io.stderr(`wrote the report (PDF, ${how}) to ${file}\n`);
    } catch (e) {
      if (!(e instanceof PdfUnavailable)) throw e;
      const alt = file.replace(/\.pdf$/i, "") + ".html";
      await writeFile(alt, html);
      throw new CliError("NO_PDF", `cannot write a PDF: ${e.message}. The report was written as HTML to ${alt} (print it from a browser)`);
    }
  }
  io.stdout(`${rep.totalDoses} doses in ${rep.perDay.length} days (${rep.period.from} – ${rep.period.to}, ${tz}); ${rep.closePairs.length} pair(s) within 2 h; ${rep.primes} prime(s) not counted\n`);
  return 0;
}

async function cmdList(a: Args, io: Io): Promise<number> {
  allowOnly(a, ["--vault"]);
  const v = await openVault(a, io);
  for (const s of v.serials()) io.stdout(`${s}\t${v.load(s)!.records.size} records\n`);
  if (!v.serials().length) io.stderr(`the vault in ${vaultDir(a, io)} is empty\n`);
  return 0;
}

const COMMANDS: Record<string, (a: Args, io: Io) => Promise<number>> = { pull: cmdPull, sim: cmdSim, export: cmdExport, upload: cmdUpload, report: cmdReport, list: cmdList };

/** Runs one command; returns the exit code (0 ok, 1 error, 2 usage, 3 incomplete sync). */
export async function run(argv: string[], io: Io): Promise<number> {
  try {
    const a = parse(argv);
    if (!a.cmd || a.cmd === "help" || a.flags.has("--help") || a.flags.has("-h")) {
      io.stdout(USAGE);
      return a.cmd && a.cmd !== "help" && !a.flags.size ? 2 : 0;
    }
    const c = COMMANDS[a.cmd];
    if (!c) throw new CliError("USAGE", `unknown command "${a.cmd}"`, 2);
    return await c(a, io);
  } catch (e) {
    if (e instanceof CliError) {
      io.stderr(`pencap: ${e.code}: ${e.message}\n`);
      if (e.exitCode === 2) io.stderr(`run "pencap help" for the commands\n`);
      return e.exitCode;
    }
    if (e instanceof VaultError || e instanceof NightscoutError || e instanceof ClientError) {
      io.stderr(`pencap: ${e.code}: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}
