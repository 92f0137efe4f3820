// Scenario files: a patient's days as data (docs/scenarios.md). This file holds the types, the time syntax and
// the validator; sim/runner.ts plays a validated scenario on a SimDevice.
import { BOARD_NAMES, type BoardName } from "./boards.js";

export type CapLabel = "injection" | "priming" | "check" | "leftOff";

export type ScenarioEvent = { t: number | string; note?: string } & (
  | { type: "capOff"; label?: CapLabel; bounces?: number; bounceMs?: number }
  | { type: "capOn"; bounces?: number; bounceMs?: number }
  | { type: "magnet"; distanceMm: number }
  | { type: "noise"; sigma: number }
  | { type: "temperature"; celsius: number }
  | { type: "battery"; volts?: number; soc?: number }
  | { type: "batteryRemove" }
  | { type: "batteryInsert"; soc?: number }
  | { type: "powerCut"; atWrite?: number; duringErase?: number; restoreAfter?: number; newBattery?: boolean }
  | { type: "powerOn" }
  | { type: "reboot" }
  | { type: "button"; ms?: number }
  | { type: "board"; name: BoardName; freePages?: number }
  | { type: "appConnect"; mtu?: number; bonded?: boolean }
  | { type: "appSync"; dropAfterRecords?: number }
  | { type: "appWrite"; characteristic: string; hex: string }
  | { type: "appDrop" }
  | { type: "appDisconnect" }
  | { type: "log"; text: string }
  | { type: "runUntil" }
);

export type ScenarioEventType = ScenarioEvent["type"];

export interface Scenario {
  name: string;
  description?: string;
  seed?: number;
  board?: BoardName;
  freePages?: number;
  /** Wall-clock time of t = 0, only for the timeline's display (ISO 8601). */
  start?: string;
  /** Is the cap on the pen at t = 0 (default true)? */
  capOn?: boolean;
  /** Unlabelled cap-off sessions whose length is within these bounds count as true doses. */
  injection?: { minSeconds?: number; maxSeconds?: number };
  /** Run until this time even if the last event is earlier (default: last event + 60 s). */
  duration?: number | string;
  events: ScenarioEvent[];
}

/** A scenario after validation: every time is in seconds. */
export interface ResolvedScenario extends Omit<Scenario, "events" | "duration"> {
  duration: number;
  events: Array<ScenarioEvent & { t: number; index: number }>;
}

export class ScenarioValidationError extends Error {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`${file}: invalid scenario\n  ${problems.join("\n  ")}`);
    this.name = "ScenarioValidationError";
  }
}

/** "3d07:45:10", "07:45", "2d", "90s", "15m", "2h" or a number of seconds. */
export function parseTime(v: unknown): number | null {
  if (typeof v === "number") return Number.isFinite(v) && v >= 0 ? v : null;
  if (typeof v !== "string") return null;
  const s = v.trim();
  let m = /^(?:(\d+)d)?\s*(?:(\d{1,2}):(\d{2})(?::(\d{2}(?:\.\d+)?))?)?$/.exec(s);
  if (m && (m[1] !== undefined || m[2] !== undefined)) {
    const h = m[2] === undefined ? 0 : Number(m[2]);
    const min = m[3] === undefined ? 0 : Number(m[3]);
    if (h > 23 || min > 59) return null;
    return Number(m[1] ?? 0) * 86400 + h * 3600 + min * 60 + Number(m[4] ?? 0);
  }
  m = /^(\d+(?:\.\d+)?)(s|m|h|d)$/.exec(s);
  if (m) return Number(m[1]) * { s: 1, m: 60, h: 3600, d: 86400 }[m[2] as "s" | "m" | "h" | "d"];
  return null;
}

/** "d03 07:45:10.250" from seconds. */
export function formatTime(t: number): string {
  const d = Math.floor(t / 86400);
  let r = t - d * 86400;
  const h = Math.floor(r / 3600);
  r -= h * 3600;
  const m = Math.floor(r / 60);
  const s = r - m * 60;
  const ss = s.toFixed(3).padStart(6, "0");
  return `d${String(d).padStart(2, "0")} ${String(h).padStart(2, "0")}:${String(m).padStart(2, "0")}:${ss}`;
}

type FieldSpec = { [field: string]: "number" | "posint" | "count" | "nonneg" | "boolean" | "string" | "hex" | "label" | "board" };

const EVENT_FIELDS: Record<ScenarioEventType, { required: FieldSpec; optional: FieldSpec }> = {
  capOff: { required: {}, optional: { label: "label", bounces: "posint", bounceMs: "nonneg" } },
  capOn: { required: {}, optional: { bounces: "posint", bounceMs: "nonneg" } },
  magnet: { required: { distanceMm: "nonneg" }, optional: {} },
  noise: { required: { sigma: "nonneg" }, optional: {} },
  temperature: { required: { celsius: "number" }, optional: {} },
  battery: { required: {}, optional: { volts: "nonneg", soc: "nonneg" } },
  batteryRemove: { required: {}, optional: {} },
  batteryInsert: { required: {}, optional: { soc: "nonneg" } },
  powerCut: { required: {}, optional: { atWrite: "posint", duringErase: "posint", restoreAfter: "nonneg", newBattery: "boolean" } },
  powerOn: { required: {}, optional: {} },
  reboot: { required: {}, optional: {} },
  button: { required: {}, optional: { ms: "nonneg" } },
  board: { required: { name: "board" }, optional: { freePages: "count" } },
  appConnect: { required: {}, optional: { mtu: "posint", bonded: "boolean" } },
  appSync: { required: {}, optional: { dropAfterRecords: "posint" } },
  appWrite: { required: { characteristic: "string", hex: "hex" }, optional: {} },
  appDrop: { required: {}, optional: {} },
  appDisconnect: { required: {}, optional: {} },
  log: { required: { text: "string" }, optional: {} },
  runUntil: { required: {}, optional: {} },
};

export const EVENT_TYPES = Object.keys(EVENT_FIELDS) as ScenarioEventType[];
export const APP_EVENTS: ScenarioEventType[] = ["appConnect", "appSync", "appWrite", "appDrop", "appDisconnect"];

function checkField(kind: string, v: unknown): string | null {
  switch (kind) {
    case "number":
      return typeof v === "number" && Number.isFinite(v) ? null : "must be a number";
    case "nonneg":
      return typeof v === "number" && Number.isFinite(v) && v >= 0 ? null : "must be a number >= 0";
    case "posint":
      return typeof v === "number" && Number.isInteger(v) && v >= 1 ? null : "must be an integer >= 1";
    case "count":
      return typeof v === "number" && Number.isInteger(v) && v >= 0 ? null : "must be an integer >= 0";
    case "boolean":
      return typeof v === "boolean" ? null : "must be true or false";
    case "string":
      return typeof v === "string" && v.length > 0 ? null : "must be a non-empty string";
    case "hex":
      return typeof v === "string" && /^([0-9a-fA-F]{2})*$/.test(v.replace(/[\s:]/g, "")) ? null : "must be hex bytes, e.g. \"01ff\"";
    case "label":
      return ["injection", "priming", "check", "leftOff"].includes(v as string) ? null : 'must be "injection", "priming", "check" or "leftOff"';
    case "board":
      return BOARD_NAMES.includes(v as BoardName) ? null : `must be one of ${BOARD_NAMES.join(", ")}`;
  }
  return null;
}

/** Checks a parsed scenario and resolves its times; throws ScenarioValidationError listing every problem. */
export function validateScenario(raw: unknown, file = "scenario"): ResolvedScenario {
  const problems: string[] = [];
  if (!raw || typeof raw !== "object" || Array.isArray(raw)) throw new ScenarioValidationError(file, ["the file must hold one JSON object"]);
  const s = raw as Record<string, unknown>;
  const top: FieldSpec = { name: "string", description: "string", seed: "nonneg", board: "board", freePages: "count", start: "string", capOn: "boolean" };
  for (const k of Object.keys(s)) {
    if (!(k in top) && !["injection", "duration", "events"].includes(k)) problems.push(`unknown field "${k}" at the top level`);
  }
  if (typeof s.name !== "string" || !s.name) problems.push('"name" is required (a non-empty string)');
  for (const [k, kind] of Object.entries(top)) {
    if (k === "name" || s[k] === undefined) continue;
    const p = checkField(kind, s[k]);
    if (p) problems.push(`"${k}" ${p}`);
  }
  if (typeof s.start === "string" && Number.isNaN(Date.parse(s.start))) problems.push('"start" must be an ISO 8601 date, e.g. "2026-03-02T00:00:00Z"');
  if (s.injection !== undefined) {
    const inj = s.injection as Record<string, unknown>;
    if (!inj || typeof inj !== "object") problems.push('"injection" must be an object {minSeconds, maxSeconds}');
    else
      for (const k of Object.keys(inj)) {
        if (k !== "minSeconds" && k !== "maxSeconds") problems.push(`unknown field "injection.${k}"`);
        else if (checkField("nonneg", inj[k])) problems.push(`"injection.${k}" must be a number >= 0`);
      }
  }
  let duration: number | null = null;
  if (s.duration !== undefined) {
    duration = parseTime(s.duration);
    if (duration === null) problems.push('"duration" must be seconds or a time like "14d" or "13d23:59"');
  }
  const events: ResolvedScenario["events"] = [];
  if (!Array.isArray(s.events)) problems.push('"events" must be an array');
  else {
    let last = 0;
    s.events.forEach((ev: unknown, i: number) => {
      if (!ev || typeof ev !== "object" || Array.isArray(ev)) {
        problems.push(`events[${i}]: must be an object`);
        return;
      }
      const e = ev as Record<string, unknown>;
      const type = e.type as ScenarioEventType;
      const t = parseTime(e.t);
      const where = `events[${i}] (${typeof type === "string" ? type : "?"}${t !== null ? " at " + formatTime(t) : ""})`;
      if (t === null) problems.push(`${where}: "t" must be seconds >= 0 or a time like "3d07:45:10"`);
      else if (t < last) problems.push(`${where}: events must be in time order (previous event at ${formatTime(last)})`);
      else last = t;
      const spec = EVENT_FIELDS[type];
      if (!spec) {
        problems.push(`${where}: unknown event type ${JSON.stringify(e.type)} (one of ${EVENT_TYPES.join(", ")})`);
        return;
      }
      for (const [f, kind] of Object.entries(spec.required)) {
        if (e[f] === undefined) problems.push(`${where}: "${f}" is required`);
        else {
          const p = checkField(kind, e[f]);
          if (p) problems.push(`${where}: "${f}" ${p}`);
        }
      }
      for (const [f, kind] of Object.entries(spec.optional)) {
        if (e[f] === undefined) continue;
        const p = checkField(kind, e[f]);
        if (p) problems.push(`${where}: "${f}" ${p}`);
      }
      for (const f of Object.keys(e)) {
        if (f !== "t" && f !== "type" && f !== "note" && !(f in spec.required) && !(f in spec.optional)) problems.push(`${where}: unknown field "${f}"`);
      }
      if (type === "powerCut" && e.atWrite !== undefined && e.duringErase !== undefined) problems.push(`${where}: give "atWrite" or "duringErase", not both`);
      if (type === "battery" && e.volts === undefined && e.soc === undefined) problems.push(`${where}: give "volts" or "soc"`);
      if (type === "battery" && typeof e.soc === "number" && e.soc > 1) problems.push(`${where}: "soc" is a fraction 0..1`);
      if (t !== null) events.push({ ...(e as ScenarioEvent), t, index: i });
    });
    if (duration === null) duration = (events.length ? events[events.length - 1].t : 0) + 60;
  }
  if (problems.length) throw new ScenarioValidationError(file, problems);
  const { events: _e, duration: _d, ...rest } = s as unknown as Scenario;
  return { ...rest, duration: duration!, events };
}
