// The Nightscout uploader (client/nightscout.ts) against the project's own stand-in (./server.ts) on 127.0.0.1:
// idempotent over three uploads, moved timestamps update in place, basal/bolus by insulin type, auth errors.
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { FakeNightscout, type FakeNightscoutOptions } from "./server";
import { toNightscout, uploadTreatments, apiSecretHash, NightscoutError, type NightscoutTreatment, type NightscoutTarget } from "../../client/nightscout";
import { RecordStore } from "../../client/store";
import { decodeRecord, encodeRecord } from "../../client/record";
import { defaultScenarioStore } from "../client/default-store";

const SECRET = "a-long-api-secret";
const TOKEN = "uploader-0123456789abcdef";
let servers: FakeNightscout[] = [];
async function serve(o: Partial<FakeNightscoutOptions> = {}): Promise<FakeNightscout> {
  const s = new FakeNightscout({ apiSecret: SECRET, tokens: { [TOKEN]: ["api:treatments:read", "api:treatments:create", "api:treatments:update"], "read-only-token-000": ["api:treatments:read"], "no-update-token-00": ["api:treatments:read", "api:treatments:create"] }, ...o });
  await s.start();
  servers.push(s);
  return s;
}
afterEach(async () => {
  for (const s of servers) await s.stop();
  servers = [];
});
const v1 = (s: FakeNightscout): NightscoutTarget => ({ url: s.url, api: 1, secret: SECRET });
const v3 = (s: FakeNightscout): NightscoutTarget => ({ url: s.url, api: 3, token: TOKEN });

let plan: NightscoutTreatment[];
beforeAll(async () => {
  const { store } = await defaultScenarioStore();
  // the default scenario's cap has no insulin type set; the user says the pen holds rapid insulin
  plan = toNightscout(store, { unsetInsulinAs: "rapid", timeZone: "Europe/Berlin" }).treatments;
});

describe.each([
  ["v1, identifier upserts (15.1+)", "identifier", v1],
  ["v1, created_at + eventType upserts (≤ 15.0)", "legacy", v1],
  ["v3", "identifier", v3],
] as const)("%s", (_name, dedupe, target) => {
  it("three uploads of the default scenario: 57 documents, 0 duplicates, nothing rewritten after the first", async () => {
    const s = await serve({ v1Dedupe: dedupe });
    expect(plan.length).toBe(57);
    const first = await uploadTreatments(target(s), plan);
    expect(first).toEqual({ created: 57, updated: 0, unchanged: 0, moved: 0 });
    for (let i = 0; i < 2; i++) {
      const posts = s.requests.filter((r) => r.method === "POST").length;
      expect(await uploadTreatments(target(s), plan)).toEqual({ created: 0, updated: 0, unchanged: 57, moved: 0 });
      expect(s.requests.filter((r) => r.method === "POST").length).toBe(posts);
    }
    expect(s.treatments.length).toBe(57);
    expect(s.duplicates()).toEqual([]);
    expect(new Set(s.treatments.map((d) => d.identifier)).size).toBe(57);
  });

  it("a moved timestamp (a time reconstructed differently) updates the document, never duplicates it", async () => {
    const s = await serve({ v1Dedupe: dedupe });
    await uploadTreatments(target(s), plan);
    const moved = plan.map((t, i) => (i === 10 ? { ...t, date: t.date + 90_000, created_at: new Date(t.date + 90_000).toISOString() } : t));
    const r = await uploadTreatments(target(s), moved);
    expect(r).toEqual({ created: 0, updated: 1, unchanged: 56, moved: 1 });
    expect(s.treatments.length).toBe(57);
    expect(s.duplicates()).toEqual([]);
    const doc = s.treatments.find((d) => d.identifier === plan[10].identifier)!;
    expect(Date.parse(doc.created_at)).toBe(plan[10].date + 90_000);
    expect(await uploadTreatments(target(s), moved)).toMatchObject({ created: 0, updated: 0, unchanged: 57 });
  });

  it("basal vs bolus by insulin type, units kept, uncertain marked", async () => {
    const s = await serve({ v1Dedupe: dedupe });
    const st = new RecordStore("PC-NS");
    const T0 = 1772409600;
    const add = (seq: number, t: number, type: number, flags: number, b: number) => st.add(decodeRecord(encodeRecord({ seq, time: T0 + t, type, flags, a: 9, b }))!);
    add(1, 0, 1, 0x10, 0x0c16); // rapid 6 U
    add(2, 3600, 1, 0x20, 0x2816); // basal 20 U
    add(3, 7200, 3, 0x10, 0x0816); // uncertain rapid 4 U
    await uploadTreatments(target(s), toNightscout(st).treatments);
    const by = (seq: number) => s.treatments.find((d) => d.identifier === `PC-NS-${seq}`)!;
    expect(by(1)).toMatchObject({ eventType: "Correction Bolus", insulin: 6, insulinType: "rapid" });
    expect(by(2)).toMatchObject({ eventType: "Note", units: 20, insulinType: "basal" });
    expect(by(2).insulin).toBeUndefined();
    expect(by(3)).toMatchObject({ eventType: "Correction Bolus", insulin: 4, uncertain: true });
    expect(by(3).notes).toMatch(/^UNCERTAIN/);
    // the total insulin Nightscout counts as bolus is the rapid doses only
    expect(s.treatments.reduce((n, d) => n + (d.insulin ?? 0), 0)).toBe(10);
  });
});

describe("auth and required fields", () => {
  it("v1 sends the SHA-1 of the secret; a wrong secret is NS_AUTH", async () => {
    expect(await apiSecretHash("abc")).toBe("a9993e364706816aba3e25717850c26c9cd0d89d");
    const s = await serve();
    const e = await uploadTreatments({ url: s.url, api: 1, secret: "wrong" }, plan.slice(0, 1)).catch((x) => x);
    expect(e).toBeInstanceOf(NightscoutError);
    expect(e.code).toBe("NS_AUTH");
    expect(s.treatments).toEqual([]);
  });

  it("v3: a bad token and a token without create permission are NS_AUTH; nothing stored", async () => {
    const s = await serve();
    const bad = await uploadTreatments({ url: s.url, api: 3, token: "nope" }, plan.slice(0, 1)).catch((x) => x);
    expect(bad.code).toBe("NS_AUTH");
    const ro = await uploadTreatments({ url: s.url, api: 3, token: "read-only-token-000" }, plan.slice(0, 1)).catch((x) => x);
    expect(ro).toMatchObject({ code: "NS_AUTH", status: 403 });
    expect(s.treatments).toEqual([]);
  });

  it("v3: a changed document needs the update permission (a deduplicating create is a replace)", async () => {
    const s = await serve();
    const t = { url: s.url, api: 3 as const, token: "no-update-token-00" };
    expect(await uploadTreatments(t, plan.slice(0, 2))).toMatchObject({ created: 2 });
    const moved = [{ ...plan[0], date: plan[0].date + 60_000, created_at: new Date(plan[0].date + 60_000).toISOString() }, plan[1]];
    const e = await uploadTreatments(t, moved).catch((x) => x);
    expect(e).toMatchObject({ code: "NS_AUTH", status: 403 });
    expect(s.treatments.length).toBe(2);
  });

  it("the stand-in enforces v3's required fields, and the uploader's documents carry them", async () => {
    const s = await serve();
    const jwt = (await (await fetch(`${s.url}/api/v2/authorization/request/${TOKEN}`)).json()).token;
    const post = (d: object) => fetch(`${s.url}/api/v3/treatments`, { method: "POST", headers: { authorization: `Bearer ${jwt}`, "content-type": "application/json" }, body: JSON.stringify(d) });
    const { app, ...noApp } = plan[0];
    expect(app).toBe("pencap");
    expect((await post(noApp)).status).toBe(400);
    expect((await post({ ...plan[0], date: "2026-03-02" })).status).toBe(400);
    expect((await post({ ...plan[0], utcOffset: 2000 })).status).toBe(400);
    expect((await post(plan[0])).status).toBe(201);
    expect((await post(plan[0])).status).toBe(200); // same identifier: deduplicated
    expect(s.treatments.length).toBe(1);
  });

  it("configuration and network errors are clear", async () => {
    expect((await uploadTreatments({ url: "ftp://x", api: 1, secret: "s" }, []).catch((x) => x)).code).toBe("NS_CONFIG");
    expect((await uploadTreatments({ url: "http://127.0.0.1:9", api: 3 }, []).catch((x) => x)).code).toBe("NS_CONFIG");
    expect((await uploadTreatments({ url: "http://127.0.0.1:9", api: 1, secret: "s" }, plan.slice(0, 1)).catch((x) => x)).code).toBe("NS_NETWORK");
  });
});
