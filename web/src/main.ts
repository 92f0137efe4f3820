// The page: data sources (Web Bluetooth, a file, the demo log), settings, and the two views. The synced log is
// held in memory, and kept on the device only in the encrypted vault (client/vault.ts over IndexedDB) once the
// user unlocks it with a passphrase: nothing is written to the browser's storage unencrypted, and nothing is
// sent anywhere.
import { PenCapClient } from "../../client/client";
import { RecordStore } from "../../client/store";
import { sync } from "../../client/sync";
import { WebBluetoothTransport } from "../../client/web-bluetooth";
import { Vault, VaultError } from "../../client/vault";
import { IndexedDBBackend } from "../../client/vault-idb";
import { WRITE_RESULT } from "../../client/protocol";
import { analyse, type Analysis, type LogData } from "./model";
import { LoadError, parseLog } from "./load";
import { clinicianView, patientView } from "./views";
import { isValidZone } from "./tz";
import type { Schedule } from "./stats";

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

interface Settings {
  tz: string;
  basal: string; // "22:00" or "" for no schedule
  tolerance: number; // minutes
  days: number; // clinician period
}

const SETTINGS_KEY = "pencap.settings";
function loadSettings(): Settings {
  const dflt: Settings = { tz: Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC", basal: "22:00", tolerance: 120, days: 14 };
  try {
    const s = { ...dflt, ...JSON.parse(localStorage.getItem(SETTINGS_KEY) ?? "{}") } as Settings;
    if (!isValidZone(s.tz)) s.tz = dflt.tz;
    return s;
  } catch {
    return dflt;
  }
}

const state: { settings: Settings; log: LogData | undefined; analysis: Analysis | undefined; view: "patient" | "clinician" | "settings" } = {
  settings: loadSettings(),
  log: undefined,
  analysis: undefined,
  view: "patient",
};

/** The live cap: the transport remembers the chosen device, the store what was synced (incremental). */
let live: { transport: WebBluetoothTransport; store: RecordStore | undefined } | undefined;
/** The encrypted vault, once unlocked; `held` the cap log it gave back (synced on from there). */
let vault: Vault | undefined;
let held: RecordStore | undefined;
const VAULT_NAME = "pencap";

const showStore = (s: RecordStore, syncedAt: number | undefined, source: string) =>
  setLog({ serial: s.serial, records: s.sorted(), status: s.lastStatus, syncedAt, source, gaps: s.gaps() });

/** Writes the store to the vault when one is unlocked; the words to add to the status line. */
async function keep(s: RecordStore): Promise<string> {
  if (!vault) return "";
  try {
    await vault.save(s);
    return " Saved encrypted on this device.";
  } catch (e) {
    return ` Not saved on this device: ${e instanceof Error ? e.message : String(e)}.`;
  }
}

async function unlock(pass: string) {
  try {
    say("Unlocking…");
    const v = await Vault.open(new IndexedDBBackend(), VAULT_NAME, pass);
    vault = v;
    // The cap with the most records held (a patient has one cap; the vault can hold several).
    const stores = v.serials().map((s) => v.load(s)!).sort((a, b) => b.records.size - a.records.size);
    const cur = live?.store;
    const same = cur && stores.find((s) => s.serial === cur.serial);
    if (cur) {
      // Synced before the unlock: merge what the vault held and keep the lot.
      if (same) for (const r of same.sorted()) cur.add(r);
      held = cur;
      say(`Unlocked. ${cur.serial}: ${cur.records.size} records.${await keep(cur)}`);
      showStore(cur, state.log?.syncedAt, `cap ${cur.serial}, saved on this device`);
    } else if (stores.length) {
      held = stores[0];
      showStore(held, undefined, `cap ${held.serial}, saved on this device`);
      say(`Unlocked: ${held.records.size} records of cap ${held.serial} saved on this device.`);
    } else say("Unlocked a new, empty store on this device: the next sync is saved in it (encrypted).");
    $("vault-state").textContent = "Unlocked: synced logs are saved encrypted on this device.";
    $<HTMLInputElement>("vault-pass").value = "";
  } catch (e) {
    const msg = e instanceof VaultError ? (e.code === "WRONG_PASSPHRASE" ? "Wrong passphrase: the saved log stays locked." : `${e.message} (${e.code})`) : e instanceof Error ? e.message : String(e);
    say(msg, "error");
  }
}

function schedule(): Schedule {
  const m = /^(\d{1,2}):(\d{2})$/.exec(state.settings.basal);
  return { basalMinutes: m ? Number(m[1]) * 60 + Number(m[2]) : null, toleranceMinutes: state.settings.tolerance };
}

function say(text: string, kind: "info" | "error" = "info") {
  const el = $("status");
  el.textContent = text;
  el.className = kind;
}

function setLog(log: LogData) {
  state.log = log;
  state.analysis = analyse(log);
  render();
}

function render() {
  for (const v of ["patient", "clinician", "settings"] as const) {
    $(`view-${v}`).hidden = state.view !== v;
    const tab = $(`tab-${v}`);
    tab.setAttribute("aria-selected", String(state.view === v));
  }
  const an = state.analysis;
  const now = Date.now() / 1000;
  const opts = { tz: state.settings.tz, schedule: schedule(), now };
  $("patient-body").innerHTML = an ? patientView(an, opts) : `<p class="empty">No log yet. Connect your cap, open an export file, or load the demo.</p>`;
  $("report").innerHTML = an ? clinicianView(an, { ...opts, days: state.settings.days }) : `<p class="empty">No log yet.</p>`;
  $<HTMLButtonElement>("sync").disabled = !live;
  document.body.dataset.loaded = an ? "yes" : "no";
}

async function connectAndSync(choose: boolean) {
  if (!("bluetooth" in navigator)) {
    say("This browser has no Web Bluetooth (use Chrome or Edge on a computer or Android), or open an export file instead.", "error");
    return;
  }
  try {
    if (choose || !live) live = { transport: new WebBluetoothTransport(navigator.bluetooth), store: live?.store };
    say("Connecting to the cap…");
    const client = new PenCapClient(live.transport);
    await client.open();
    if (!live.store || live.store.serial !== client.serial) live.store = held?.serial === client.serial ? held : new RecordStore(client.serial);
    // The app keeps the cap's clock right; the cap logs every change (TIME_SET), so only when it is off. Once set,
    // a change over 15 min needs the cap in hand (result 0x07 outside the pairing window, docs/protocol.md §3.3).
    const t = await client.readTime();
    const now = Math.floor(Date.now() / 1000);
    let clockNote = "";
    if (!t.isSet || Math.abs(t.time - now) > 60) {
      const res = await client.setTime(now);
      if (res === WRITE_RESULT.needsCap)
        clockNote = ` The cap refused to move its clock by ${Math.round(Math.abs(t.time - now) / 60)} min: hold the cap, take it off and put it back 5 times within 6 s, then sync again.`;
    }
    say("Syncing…");
    const r = await sync(client, live.store);
    await client.close().catch(() => undefined);
    const s = live.store;
    held = s;
    showStore(s, now, `cap ${s.serial} over Bluetooth`);
    say(`Synced ${s.serial}: ${r.added} new record(s)${r.duplicates ? `, ${r.duplicates} already held` : ""}${r.complete ? "." : " — incomplete, sync again."}${clockNote}${await keep(s)}`);
  } catch (e) {
    const msg = e instanceof Error ? e.message : typeof e === "object" && e && "message" in e ? String((e as { message: unknown }).message) : String(e);
    say(`Bluetooth: ${msg}`, "error");
  }
  render();
}

async function openFile(f: File) {
  try {
    setLog(parseLog(await f.text(), f.name));
    say(`Opened ${f.name}: ${state.analysis!.records} records from cap ${state.analysis!.serial}.`);
  } catch (e) {
    say(e instanceof LoadError ? `${f.name}: ${e.message} (${e.code})` : `${f.name}: ${String(e)}`, "error");
  }
}

async function loadDemo() {
  try {
    const res = await fetch("demo.json");
    if (!res.ok) throw new LoadError("NOT_A_LOG", `demo.json: HTTP ${res.status} (build it with npm run web)`);
    setLog({ ...parseLog(await res.text(), "demo.json"), source: "demo: the simulator's default scenario" });
    say(`Demo loaded: ${state.analysis!.records} records of a simulated two weeks.`);
  } catch (e) {
    say(e instanceof Error ? e.message : String(e), "error");
  }
}

function wire() {
  for (const v of ["patient", "clinician", "settings"] as const)
    $(`tab-${v}`).addEventListener("click", () => {
      state.view = v;
      render();
    });
  $("connect").addEventListener("click", () => connectAndSync(true));
  $("sync").addEventListener("click", () => connectAndSync(false));
  $<HTMLInputElement>("file").addEventListener("change", (ev) => {
    const f = (ev.target as HTMLInputElement).files?.[0];
    if (f) void openFile(f);
  });
  $("demo").addEventListener("click", () => void loadDemo());
  $<HTMLFormElement>("vault-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    void unlock($<HTMLInputElement>("vault-pass").value);
  });
  $("print").addEventListener("click", () => window.print());
  const tz = $<HTMLInputElement>("set-tz");
  const basal = $<HTMLInputElement>("set-basal");
  const tol = $<HTMLInputElement>("set-tol");
  const days = $<HTMLSelectElement>("set-days");
  tz.value = state.settings.tz;
  basal.value = state.settings.basal;
  tol.value = String(state.settings.tolerance);
  days.value = String(state.settings.days);
  const save = () => {
    if (!isValidZone(tz.value)) {
      say(`"${tz.value}" is not a time zone (e.g. Europe/Berlin, America/New_York, UTC)`, "error");
      return;
    }
    state.settings = { tz: tz.value, basal: basal.value, tolerance: Math.max(15, Math.min(360, Number(tol.value) || 120)), days: Number(days.value) || 14 };
    localStorage.setItem(SETTINGS_KEY, JSON.stringify(state.settings));
    render();
  };
  for (const el of [tz, basal, tol, days]) el.addEventListener("change", save);
  render();
}

wire();
