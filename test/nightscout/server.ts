// A local Nightscout stand-in for the uploader's tests: the treatments collection and the rules of
// nightscout/cgm-remote-monitor that an uploader meets, written from its sources (cited per rule), in memory,
// on 127.0.0.1. Not a Nightscout: no entries, profiles, sockets or plugins.
//
// API v1 (lib/api/treatments/index.js, lib/server/treatments.js, lib/authorization):
// - auth: header `api-secret` = SHA-1 hex of API_SECRET (lib/server/env.js setAPISecret keeps "the hex digest";
//   lib/authorization/index.js authorizeAdminSecret compares the header with it); else 401.
// - POST /api/v1/treatments: one object or an array. prepareData: created_at normalised to ISO, utcOffset
//   computed, empty `insulin`/`notes` dropped. Upsert key (upsertQueryFor): `identifier` when present, else
//   `_id`, else created_at + eventType — mode "identifier" (15.1+); mode "legacy" (15.0.x and older) always
//   created_at + eventType.
// - GET /api/v1/treatments(.json)?find[field]=value&find[created_at][$gte]=ISO&count=N: equality filters, date
//   bounds, newest first; without a created_at bound only the last 4 days (lib/server/query.js, deltaAgo).
// - DELETE /api/v1/treatments/:id.
// API v3 (lib/api3/…):
// - GET /api/v2/authorization/request/:accessToken → { token: JWT }; then `Authorization: Bearer <JWT>`; a
//   bad token is 401, a JWT without the collection permission 403 (security.js, const.json messages).
// - POST /api/v3/treatments: validateCommon (operationTools.js): `date` number > 946684800000, `utcOffset`
//   number in −1440..1440, `app` non-empty string, else 400. Identifier: the client's, else computed from
//   device + date + eventType (resolveIdentifier). identifyingFilter (storage/mongoCollection/utils.js):
//   identifier equal, or (fallback dedup) created_at + eventType equal on a document without identifier; a
//   match is replaced (200, isDeduplication; generic/update/replace.js demands api:treatments:update), else
//   inserted (201).
// - GET /api/v3/treatments?field$eq=value&limit=&skip= (limit ≤ 1000, const.json API3_MAX_LIMIT) → { result }.
import { createHash, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export type Doc = Record<string, any>;

export interface FakeNightscoutOptions {
  apiSecret: string;
  /** v3 access tokens → permissions ("api:treatments:read", "api:treatments:create", "*"). */
  tokens: Record<string, string[]>;
  v1Dedupe?: "identifier" | "legacy";
}

export class FakeNightscout {
  readonly treatments: Doc[] = [];
  readonly requests: { method: string; path: string; status: number }[] = [];
  private jwts = new Map<string, string[]>();
  private server: Server | undefined;
  url = "";

  constructor(readonly opts: FakeNightscoutOptions) {
    // lib/constants MIN_PASSPHRASE_LENGTH: Nightscout refuses an API_SECRET shorter than 12 characters.
    if (opts.apiSecret.length < 12) throw new Error("API_SECRET must be at least 12 characters");
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((r) => this.server!.listen(0, "127.0.0.1", r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }
  async stop(): Promise<void> {
    await new Promise<void>((r) => this.server?.close(() => r()));
  }

  /** Documents sharing an identifier, or (without one) created_at + eventType: what an uploader must never cause. */
  duplicates(): Doc[][] {
    const groups = new Map<string, Doc[]>();
    for (const d of this.treatments) {
      const k = d.identifier ?? `${d.created_at}|${d.eventType}`;
      groups.set(k, [...(groups.get(k) ?? []), d]);
    }
    return [...groups.values()].filter((g) => g.length > 1);
  }

  private send(res: ServerResponse, req: IncomingMessage, status: number, body: unknown) {
    this.requests.push({ method: req.method ?? "", path: req.url ?? "", status });
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify(body));
  }

  private async body(req: IncomingMessage): Promise<unknown> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const t = Buffer.concat(chunks).toString("utf8");
    return t ? JSON.parse(t) : undefined;
  }

  private v1Authorized(req: IncomingMessage): boolean {
    const h = req.headers["api-secret"];
    const sha = createHash("sha1").update(this.opts.apiSecret).digest("hex");
    return h === sha;
  }

  private v3Permissions(req: IncomingMessage): string[] | undefined {
    const m = /^Bearer (.+)$/.exec(String(req.headers.authorization ?? ""));
    return m ? this.jwts.get(m[1]) : undefined;
  }

  private async handle(req: IncomingMessage, res: ServerResponse) {
    try {
      const u = new URL(req.url ?? "/", "http://x");
      const p = u.pathname;
      const m = req.method ?? "GET";
      if (m === "GET" && p.startsWith("/api/v2/authorization/request/")) {
        const perms = this.opts.tokens[decodeURIComponent(p.slice("/api/v2/authorization/request/".length))];
        if (!perms) return this.send(res, req, 401, { status: 401, message: "Bad access token or JWT" });
        const jwt = `jwt.${randomUUID()}`;
        this.jwts.set(jwt, perms);
        return this.send(res, req, 200, { token: jwt, sub: "uploader", permissionGroups: [perms], iat: 0, exp: 0 });
      }
      if (p.startsWith("/api/v1/treatments")) return this.v1(req, res, m, p, u);
      if (p.startsWith("/api/v3/treatments")) return this.v3(req, res, m, p, u);
      this.send(res, req, 404, { status: 404, message: "Bad operation or collection" });
    } catch (e) {
      this.send(res, req, 400, { status: 400, message: e instanceof Error ? e.message : String(e) });
    }
  }

  private async v1(req: IncomingMessage, res: ServerResponse, m: string, p: string, u: URL) {
    if (!this.v1Authorized(req)) return this.send(res, req, 401, { status: 401, message: "Unauthorized", description: "Invalid/Missing" });
    if (m === "GET" && (p === "/api/v1/treatments" || p === "/api/v1/treatments.json")) {
      let list = [...this.treatments];
      let dated = false;
      for (const [k, v] of u.searchParams) {
        const f = /^find\[([^\]]+)\]$/.exec(k);
        if (f) list = list.filter((d) => String(d[f[1]]) === v);
        const r = /^find\[created_at\]\[\$(gte|lte|gt|lt)\]$/.exec(k);
        if (r) {
          dated = true;
          const lim = Date.parse(v);
          if (Number.isNaN(lim)) return this.send(res, req, 400, { status: 400, message: `Cannot parse ${v} as a valid ISO-8601 date` });
          const op = r[1];
          list = list.filter((d) => {
            const t = Date.parse(d.created_at);
            return op === "gte" ? t >= lim : op === "gt" ? t > lim : op === "lte" ? t <= lim : t < lim;
          });
        }
      }
      // lib/server/query.js enforceDateFilter: a query without a date bound gets the last 4 days only.
      if (!dated) list = list.filter((d) => Date.parse(d.created_at) >= Date.now() - 4 * 86400000);
      list.sort((a, b) => Date.parse(b.created_at) - Date.parse(a.created_at));
      return this.send(res, req, 200, list.slice(0, Number(u.searchParams.get("count") ?? 10)));
    }
    if (m === "DELETE" && p.startsWith("/api/v1/treatments/")) {
      const id = decodeURIComponent(p.slice("/api/v1/treatments/".length));
      const i = this.treatments.findIndex((d) => d._id === id);
      if (i >= 0) this.treatments.splice(i, 1);
      return this.send(res, req, 200, { n: i >= 0 ? 1 : 0, ok: 1 });
    }
    if (m === "POST" && p === "/api/v1/treatments") {
      const b = await this.body(req);
      const docs = (Array.isArray(b) ? b : [b]) as Doc[];
      const out: Doc[] = [];
      for (const raw of docs) {
        const d: Doc = { ...raw };
        d.created_at = new Date(d.created_at ?? Date.now()).toISOString();
        d.utcOffset = 0;
        for (const k of ["insulin", "notes", "carbs"]) if (!d[k]) delete d[k];
        const legacy = this.opts.v1Dedupe === "legacy";
        const i = this.treatments.findIndex((x) =>
          !legacy && d.identifier ? x.identifier === d.identifier : !legacy && d._id ? x._id === d._id : x.created_at === d.created_at && x.eventType === d.eventType,
        );
        if (i >= 0) {
          d._id = this.treatments[i]._id;
          this.treatments[i] = d;
        } else {
          d._id = randomUUID().replace(/-/g, "").slice(0, 24);
          this.treatments.push(d);
        }
        out.push(d);
      }
      return this.send(res, req, 200, out);
    }
    this.send(res, req, 404, { status: 404 });
  }

  private async v3(req: IncomingMessage, res: ServerResponse, m: string, p: string, u: URL) {
    const perms = this.v3Permissions(req);
    if (!perms) return this.send(res, req, 401, { status: 401, message: "Missing or bad access token or JWT" });
    const need = (perm: string) => perms.includes("*") || perms.includes(perm);
    if (m === "GET" && p === "/api/v3/treatments") {
      if (!need("api:treatments:read")) return this.send(res, req, 403, { status: 403, message: "Missing permission api:treatments:read" });
      const limit = Number(u.searchParams.get("limit") ?? 10);
      const skip = Number(u.searchParams.get("skip") ?? 0);
      if (!(limit >= 1 && limit <= 1000)) return this.send(res, req, 400, { status: 400, message: "Parameter limit out of tolerance" });
      let list = [...this.treatments];
      for (const [k, v] of u.searchParams) {
        const f = /^(.+)\$eq$/.exec(k);
        if (f) list = list.filter((d) => String(d[f[1]]) === v);
      }
      list.sort((a, b) => (a.date ?? 0) - (b.date ?? 0));
      // normalizeDoc (storage/mongoCollection/utils.js): v3 never shows _id
      return this.send(res, req, 200, { status: 200, result: list.slice(skip, skip + limit).map(({ _id, ...d }) => d) });
    }
    if (m === "POST" && p === "/api/v3/treatments") {
      if (!need("api:treatments:create")) return this.send(res, req, 403, { status: 403, message: "Missing permission api:treatments:create" });
      const d = (await this.body(req)) as Doc;
      if (!d || typeof d !== "object" || !Object.keys(d).length) return this.send(res, req, 400, { status: 400, message: "Bad or missing request body" });
      if (typeof d.date !== "number" || d.date <= 946684800000) return this.send(res, req, 400, { status: 400, message: "Bad or missing date field" });
      if (typeof d.utcOffset !== "number" || d.utcOffset < -1440 || d.utcOffset > 1440) return this.send(res, req, 400, { status: 400, message: "Bad or missing utcOffset field" });
      if (typeof d.app !== "string" || !d.app.trim()) return this.send(res, req, 400, { status: 400, message: "Bad or missing app field" });
      if (!d.identifier) d.identifier = `${d.device}_${d.date}${d.eventType ? "_" + d.eventType : ""}`;
      if (!d.created_at) d.created_at = new Date(d.date).toISOString();
      const i = this.treatments.findIndex((x) => x.identifier === d.identifier || (x.identifier === undefined && x.created_at === d.created_at && x.eventType === d.eventType));
      d.srvModified = Date.now();
      if (i >= 0) {
        // update/replace.js: a deduplicating create is a replace, which demands the update permission.
        if (!need("api:treatments:update")) return this.send(res, req, 403, { status: 403, message: "Missing permission api:treatments:update" });
        d._id = this.treatments[i]._id;
        d.srvCreated = this.treatments[i].srvCreated;
        this.treatments[i] = d;
        return this.send(res, req, 200, { status: 200, identifier: d.identifier, isDeduplication: true, lastModified: d.srvModified });
      }
      d._id = randomUUID().replace(/-/g, "").slice(0, 24);
      d.srvCreated = d.srvModified;
      this.treatments.push(d);
      return this.send(res, req, 201, { status: 201, identifier: d.identifier, lastModified: d.srvModified });
    }
    this.send(res, req, 404, { status: 404, message: "Bad operation or collection" });
  }
}
