// Nightscout: treatments from a synced log, and an idempotent uploader for API v1 and v3 (docs/nightscout.md).
//
// Sources (nightscout/cgm-remote-monitor):
// - lib/plugins/careportal.js: the event types. "Correction Bolus" is an insulin event without carbs — what a
//   cap knows (it never knows a meal). There is no event type for a pen's long-acting injection; a "Note"
//   carries no `insulin`, so the IOB plugin does not count it as bolus insulin on board.
// - lib/server/treatments.js (API v1 storage): POST upserts; the query is `identifier` when the document has
//   one, else `_id`, else created_at + eventType (upsertQueryFor, 15.1+ "REQ-SYNC-072"); servers up to 15.0.x
//   upsert on created_at + eventType only, so there a moved timestamp would insert a second document: the v1
//   uploader therefore finds its own documents first and deletes one whose time moved before posting it again.
// - lib/api3/shared/operationTools.js (validateCommon): v3 documents need `date` (ms, > 946684800000),
//   `utcOffset` (minutes, −1440..1440) and `app` (non-empty string); resolveIdentifier keeps a client's
//   `identifier`. lib/api3/generic/create/operation.js + storage/mongoCollection/utils.js (identifyingFilter):
//   a POST whose identifier exists replaces that document (deduplication), so identifier = serial-seq makes
//   re-uploads and moved timestamps update in place. lib/api3/doc/security.md: a JWT from
//   /api/v2/authorization/request/<access token>, sent as "Authorization: Bearer".
import { rows, type ExportRow } from "./export";
import type { RecordStore } from "./store";
import { utcOffsetMinutes } from "./tz";
import type { AnchorRule } from "./timeline";

export interface NightscoutTreatment {
  identifier: string;
  eventType: "Correction Bolus" | "Note";
  created_at: string;
  /** Unix ms (API v3's `date`). */
  date: number;
  /** Minutes east of UTC at the dose in the patient's zone (0 when the zone is not known). */
  utcOffset: number;
  app: string;
  device: string;
  enteredBy: string;
  /** Bolus (rapid) doses with known units only: the only field Nightscout's IOB counts. */
  insulin?: number;
  notes?: string;
  /** What the cap knows about the insulin, for readers of the document (not used by Nightscout). */
  insulinType: "rapid" | "basal" | "unset" | "other";
  units?: number;
  uncertain?: true;
  timeSource: "device" | "reconstructed" | "bounded";
}

export interface NightscoutOptions {
  /** API v3 `app` and v1 `enteredBy` (default "pencap"). */
  app?: string;
  enteredBy?: string;
  /** The patient's IANA zone, for `utcOffset`; UTC when absent. */
  timeZone?: string;
  /**
   * How to upload doses whose insulin type is not set on the cap (config offset 7): "note" (default: a Note
   * without `insulin` — counting an unknown insulin as a bolus could be a basal inflating insulin on board),
   * or what the user says the pen holds.
   */
  unsetInsulinAs?: "note" | "rapid" | "basal";
  anchors?: readonly AnchorRule[];
}

export interface NightscoutPlan {
  treatments: NightscoutTreatment[];
  /** Doses without a wall time: not uploaded (Nightscout needs one), shown to the user instead. */
  undatable: ExportRow[];
  /** DOSE records a later priming flag points at: not uploaded as insulin. */
  primes: ExportRow[];
}

/**
 * Nightscout treatments for the doses of a log: rapid → "Correction Bolus" with `insulin`; basal (and unset,
 * unless `unsetInsulinAs` says otherwise) → "Note" without `insulin`, the units in `notes` and `units`.
 * Primes are left out; uncertain doses are uploaded and say so (notes + `uncertain: true`); a dose of unknown
 * units never gets `insulin` (never 0). `identifier` is serial-seq, stable across phones and re-syncs. An annotated
 * dose's amount (`insulin`, `units`) is its newest annotation's; the notes keep the cap's own reading and list
 * every annotation, newest first.
 */
export function toNightscout(store: RecordStore, o: NightscoutOptions = {}): NightscoutPlan {
  const app = o.app ?? "pencap";
  const plan: NightscoutPlan = { treatments: [], undatable: [], primes: [] };
  for (const r of rows(store, { anchors: o.anchors })) {
    if (r.role === "prime") {
      plan.primes.push(r);
      continue;
    }
    if (r.role !== "dose") continue;
    if (r.wallTime === undefined) {
      plan.undatable.push(r);
      continue;
    }
    const type = r.insulin ?? "unset";
    const as = type === "rapid" || type === "basal" ? type : type === "unset" ? (o.unsetInsulinAs ?? "note") : "note";
    const u = r.units === undefined ? "units unknown" : `${r.units} U`;
    const notes: string[] = [];
    if (r.uncertain) notes.push("UNCERTAIN: the cap could not tell a dose from handling (or the cap was off too long).");
    if (as === "basal") notes.push(`Basal (long-acting) insulin injection, ${u}; not counted as insulin on board.`);
    else if (as === "note") notes.push(`Insulin injection, ${u}; insulin type ${type === "other" ? "other" : "not set on the cap"}, so not counted as insulin on board.`);
    else if (r.units === undefined) notes.push("Insulin dose detected by the pen cap; units unknown.");
    // Annotations are additive: the amount is the newest one's (the patient's latest word), and the note keeps
    // the cap's own reading and how many annotations there were (docs/nightscout.md).
    const anns = r.annotations ?? [];
    if (anns.length) {
      const cap = r.capUnits === undefined ? "could not read the units" : `recorded ${r.capUnits} U`;
      notes.push(`Units from the patient's annotation${anns.length > 1 ? ` (newest of ${anns.length}: ${anns.map((a) => `${a.units} U`).join(", ")})` : ""}; the cap itself ${cap}.`);
    }
    if (r.afterPrime) notes.push("An air shot (prime) shortly before was not counted.");
    if (r.timeSource === "reconstructed") notes.push("Time reconstructed from a later clock setting.");
    if (r.timeSource === "bounded" && r.notBefore && r.notAfter)
      notes.push(`Time bounded by the records around it (the cap's clock was never set in its power-on): between ${r.notBefore} and ${r.notAfter}.`);
    const date = Date.parse(r.wallTime);
    const t: NightscoutTreatment = {
      identifier: r.id,
      eventType: as === "rapid" ? "Correction Bolus" : "Note",
      created_at: r.wallTime,
      date,
      utcOffset: o.timeZone ? utcOffsetMinutes(date / 1000, o.timeZone) : 0,
      app,
      device: `pencap://${store.serial}`,
      enteredBy: o.enteredBy ?? app,
      insulinType: type,
      timeSource: r.timeSource as "device" | "reconstructed" | "bounded",
    };
    if (as === "rapid" && r.units !== undefined) t.insulin = r.units;
    if (r.units !== undefined) t.units = r.units;
    if (r.uncertain) t.uncertain = true;
    if (notes.length) t.notes = notes.join(" ");
    plan.treatments.push(t);
  }
  return plan;
}

export interface NightscoutTarget {
  /** Base URL of the site, e.g. https://my.nightscout.example */
  url: string;
  api: 1 | 3;
  /** v1: the API_SECRET (sent as its SHA-1 hex in `api-secret`). */
  secret?: string;
  /**
   * v3: an access token (Nightscout Admin Tools: a subject whose role grants api:treatments:read, :create and
   * :update — a changed dose is a replace); exchanged for a JWT.
   */
  token?: string;
  fetch?: typeof fetch;
}

export interface UploadResult {
  created: number;
  updated: number;
  unchanged: number;
  /** v1 only: own documents deleted because their time moved (re-posted at the new time). */
  moved: number;
}

export class NightscoutError extends Error {
  constructor(readonly code: "NS_AUTH" | "NS_HTTP" | "NS_NETWORK" | "NS_CONFIG", message: string, readonly status?: number) {
    super(message);
    this.name = "NightscoutError";
  }
}

/** SHA-1 hex of the API secret, as Nightscout's `api-secret` header expects (WebCrypto: Node ≥ 20 and browsers). */
export async function apiSecretHash(secret: string): Promise<string> {
  const d = await globalThis.crypto.subtle.digest("SHA-1", new TextEncoder().encode(secret));
  return [...new Uint8Array(d)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

// The fields this uploader owns: a stored document equal on all of them needs no write.
const OWN_FIELDS: (keyof NightscoutTreatment)[] = ["eventType", "created_at", "insulin", "notes", "insulinType", "units", "uncertain", "timeSource", "device"];
function same(stored: Record<string, unknown>, t: NightscoutTreatment): boolean {
  return OWN_FIELDS.every((k) => {
    const a = stored[k];
    const b = t[k];
    if (k === "created_at") return typeof a === "string" && Date.parse(a) === Date.parse(b as string);
    return (a ?? null) === (b ?? null);
  });
}

async function call(target: NightscoutTarget, method: string, path: string, headers: Record<string, string>, body?: unknown): Promise<{ status: number; json: any }> {
  const f = target.fetch ?? globalThis.fetch;
  let res: Response;
  try {
    res = await f(target.url.replace(/\/+$/, "") + path, {
      method,
      headers: { accept: "application/json", ...(body !== undefined ? { "content-type": "application/json" } : {}), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (e) {
    throw new NightscoutError("NS_NETWORK", `cannot reach ${target.url}: ${e instanceof Error ? e.message : String(e)}`);
  }
  const text = await res.text();
  let json: any;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = text;
  }
  if (res.status === 401 || res.status === 403) {
    const why = typeof json === "object" && json?.message ? ` (${json.message})` : "";
    throw new NightscoutError("NS_AUTH", `${method} ${path}: ${res.status}${why} — check the ${target.api === 1 ? "API secret" : "access token and its roles (api:treatments:read, create, update)"}`, res.status);
  }
  return { status: res.status, json };
}
const fail = (method: string, path: string, r: { status: number; json: unknown }) =>
  new NightscoutError("NS_HTTP", `${method} ${path}: HTTP ${r.status} ${typeof r.json === "string" ? r.json : JSON.stringify(r.json ?? "")}`.slice(0, 300), r.status);

/**
 * Uploads treatments so that the site ends up with exactly one document per identifier, whatever it held
 * before from this uploader: new ones are created, changed ones (units annotated later, a time now
 * reconstructed, a moved timestamp) replace the old, equal ones are left alone.
 */
export async function uploadTreatments(target: NightscoutTarget, treatments: NightscoutTreatment[]): Promise<UploadResult> {
  if (!/^https?:\/\//.test(target.url)) throw new NightscoutError("NS_CONFIG", `Nightscout URL must start with http:// or https:// (got "${target.url}")`);
  if (target.api === 1) return uploadV1(target, treatments);
  if (target.api === 3) return uploadV3(target, treatments);
  throw new NightscoutError("NS_CONFIG", `API version must be 1 or 3`);
}

async function uploadV1(target: NightscoutTarget, treatments: NightscoutTreatment[]): Promise<UploadResult> {
  if (!target.secret) throw new NightscoutError("NS_CONFIG", "API v1 needs the site's API secret");
  const h = { "api-secret": await apiSecretHash(target.secret) };
  const res: UploadResult = { created: 0, updated: 0, unchanged: 0, moved: 0 };
  const devices = [...new Set(treatments.map((t) => t.device))];
  const existing = new Map<string, Record<string, any>[]>();
  for (const device of devices) {
    // Without a created_at bound v1 answers only the last 4 days (lib/server/query.js enforceDateFilter,
    // deltaAgo = 2 × TWO_DAYS): ask from 2000-01-01, the earliest wall time a cap can hold, so a document whose
    // time moved is found wherever it was.
    const path = `/api/v1/treatments.json?find[device]=${encodeURIComponent(device)}&find[created_at][$gte]=2000-01-01T00:00:00.000Z&count=100000`;
    const r = await call(target, "GET", path, h);
    if (r.status !== 200 || !Array.isArray(r.json)) throw fail("GET", path, r);
    for (const d of r.json) if (typeof d.identifier === "string") existing.set(d.identifier, [...(existing.get(d.identifier) ?? []), d]);
  }
  const toPost: NightscoutTreatment[] = [];
  for (const t of treatments) {
    const old = existing.get(t.identifier) ?? [];
    if (old.length === 1 && same(old[0], t)) {
      res.unchanged++;
      continue;
    }
    // Changed, or more than one copy (left by an older uploader or server): remove ours, post it once.
    for (const d of old) {
      const path = `/api/v1/treatments/${encodeURIComponent(String(d._id))}`;
      const r = await call(target, "DELETE", path, h);
      if (r.status !== 200 && r.status !== 204) throw fail("DELETE", path, r);
    }
    if (old.length) {
      res.updated++;
      if (old.some((d) => Date.parse(d.created_at) !== Date.parse(t.created_at))) res.moved++;
    } else res.created++;
    toPost.push(t);
  }
  for (let i = 0; i < toPost.length; i += 50) {
    const batch = toPost.slice(i, i + 50);
    const r = await call(target, "POST", "/api/v1/treatments", h, batch);
    if (r.status !== 200 && r.status !== 201) throw fail("POST", "/api/v1/treatments", r);
  }
  return res;
}

async function uploadV3(target: NightscoutTarget, treatments: NightscoutTreatment[]): Promise<UploadResult> {
  if (!target.token) throw new NightscoutError("NS_CONFIG", "API v3 needs an access token");
  const authPath = `/api/v2/authorization/request/${encodeURIComponent(target.token)}`;
  const a = await call(target, "GET", authPath, {});
  if (a.status !== 200 || typeof a.json?.token !== "string") throw new NightscoutError("NS_AUTH", `${authPath}: no JWT (HTTP ${a.status}) — check the access token`, a.status);
  const h = { authorization: `Bearer ${a.json.token}` };
  const res: UploadResult = { created: 0, updated: 0, unchanged: 0, moved: 0 };
  const stored = new Map<string, Record<string, any>>();
  for (const device of [...new Set(treatments.map((t) => t.device))]) {
    for (let skip = 0; ; skip += 1000) {
      const path = `/api/v3/treatments?device$eq=${encodeURIComponent(device)}&limit=1000&skip=${skip}`;
      const r = await call(target, "GET", path, h);
      const list = r.json?.result;
      if (r.status !== 200 || !Array.isArray(list)) throw fail("GET", path, r);
      for (const d of list) stored.set(d.identifier, d);
      if (list.length < 1000) break;
    }
  }
  for (const t of treatments) {
    const old = stored.get(t.identifier);
    if (old && same(old, t)) {
      res.unchanged++;
      continue;
    }
    // POST with an existing identifier replaces that document (v3 deduplication).
    const r = await call(target, "POST", "/api/v3/treatments", h, t);
    if (r.status === 201) res.created++;
    else if (r.status === 200) res.updated++;
    else throw fail("POST", "/api/v3/treatments", r);
    if (old && Number(old.date) !== t.date) res.moved++;
  }
  return res;
}
