// The web app's analysis (web/src/model.ts, stats.ts, load.ts) on the simulator's default scenario, read back
// from the files the client exports (sim --export's JSON, the CSV), and cross-checked with the simulator's own
// figures and with client/ (primeSeqs, which implements the priming rule apart). The double-dose signals come
// from client/stats.ts (capDoubleDoseSignals, the firmware's rule), checked here against the simulated cap's LEDs.
import { beforeAll, describe, expect, it } from "vitest";
import { primeSeqs, rows, toCSV, toJSON } from "../../client/export.js";
import { capDoubleDoseWarnings } from "../../client/stats.js";
import { encodeRecord, type DoseRecord } from "../../client/record.js";
import { analyse } from "../../web/src/model.js";
import { clinicianView } from "../../web/src/views.js";
import { parseLog, LoadError } from "../../web/src/load.js";
import { report } from "../../web/src/stats.js";
import { simulatedCap, type SimulatedCap } from "../../web/tools/sim-cap.js";

let cap: SimulatedCap;
beforeAll(async () => {
  cap = await simulatedCap();
});

const rec = (seq: number, time: number, type: number, flags = 0, a = 0, b = 0xff80): DoseRecord => {
  const bytes = encodeRecord({ seq, time, type, flags, a, b });
  return { seq, time, type, flags, a, b, check: bytes[14] | (bytes[15] << 8) };
};

describe("web analysis of the default scenario", () => {
  it("counts the 57 true doses from the export JSON and from the CSV, with the cap's double-dose warnings and no prime counted", () => {
    const store = cap.app.records()!;
    expect(cap.summary.doses.true).toBe(57);
    const held = (s: number) => store.records.has(s);
    const primes = primeSeqs(store.sorted(), held);
    expect(primes.size).toBeGreaterThan(0);
    for (const [name, text] of [["log.json", toJSON(store)], ["log.csv", toCSV(store)]]) {
      const an = analyse(parseLog(text, name));
      expect(an.doses.length, name).toBe(57);
      expect(an.undatable.length, name).toBe(0);
      expect(new Set(an.sessions.filter((s) => s.kind === "prime").map((s) => s.seq)), name).toEqual(primes);
      for (const d of an.doses) expect(primes.has(d.seq), name).toBe(false);
      // The alarms the cap gave (LED + buzzer in the simulator), re-derived from the records alone; every alarm
      // follows a quiet cue at the same removal, and the other cues were looks (the scenario has no pairing
      // gesture, so no cue is left out).
      expect(an.warnings.length, name).toBe(cap.doubleDoseWarnings);
      expect(an.warnings.map((s) => s.seq), name).toEqual(capDoubleDoseWarnings(rows(store)).map((w) => w.seq));
      expect(an.warnings.length + an.cues.length, name).toBe(cap.doubleDoseCues);
      expect(an.excursions.map((e) => [e.hot, e.extremeC]), name).toEqual([[true, 38]]);
    }
  });

  it("reports 14 days: doses per day, no missed basal at 22:00 ± 2 h, one pair within 2 h; a morning schedule the patient does not keep shows missed days", () => {
    const an = analyse(parseLog(toJSON(cap.app.records()!), "log.json"));
    const now = cap.now();
    const r = report(an, "UTC", "2026-03-02", "2026-03-15", { basalMinutes: 22 * 60, toleranceMinutes: 120 }, now);
    expect(r.doses).toBe(57);
    expect(r.days).toBe(14);
    expect(r.basal).toMatchObject({ taken: 14, missed: [] });
    expect(r.within2h.length).toBe(1);
    expect(r.within2h[0][1].wall! - r.within2h[0][0].wall!).toBeLessThan(3600);
    const early = report(an, "UTC", "2026-03-02", "2026-03-15", { basalMinutes: 5 * 60, toleranceMinutes: 30 }, now);
    expect(early.basal.missed.length).toBe(14);
    // The same instants in another zone move across days: counted per day in the patient's zone.
    const tokyo = report(an, "Asia/Tokyo", "2026-03-02", "2026-03-16", { basalMinutes: null, toleranceMinutes: 120 }, now);
    expect(tokyo.doses).toBe(57);
    expect(tokyo.rows[0].doses.length).toBe(2); // breakfast and lunch of 2 March UTC; dinner (19:36 UTC) is 3 March in Tokyo
  });
});

describe("web analysis of hand-made logs", () => {
  it("keeps a relative-time dose without a clock setting as undatable and counted; a TIME_SET of its power-on dates it", () => {
    const boot = rec(1, 0, 7);
    const dose = rec(2, 100, 1, 0, 20);
    const a = analyse({ serial: "t", records: [boot, dose], source: "t" });
    expect(a.doses.map((d) => d.seq)).toEqual([2]);
    expect(a.undatable.map((d) => d.seq)).toEqual([2]);
    const set = rec(3, 1_773_000_000, 6, 0, 200, 0); // previous clock 200 s after power-on
    const b = analyse({ serial: "t", records: [boot, dose, set], source: "t" });
    expect(b.undatable).toEqual([]);
    expect(b.doses[0].wall).toBe(1_773_000_000 - 100);
  });

  it("a dose of a never-set power-on between close ones is bounded: counted on its day, shown with its ± (docs/client.md)", () => {
    const T0 = 1_772_409_600;
    // dated power-on (last record T0 + 500), a 20 s power-on never set, then one whose TIME_SET dates it to T0 + 570
    const records = [rec(1, 0, 7), rec(2, T0 + 100, 6, 0, 100, 0), rec(3, T0 + 500, 1, 0, 20), rec(4, 0, 7), rec(5, 20, 1, 0, 20), rec(6, 1, 7), rec(7, T0 + 600, 6, 0, 30, 0)];
    const an = analyse({ serial: "t", records, source: "t" });
    expect(an.undatable).toEqual([]);
    // (the device time T0 + 500 bounds it ± 60 s + 500 ppm of the 400 s since its TIME_SET: not before T0 + 459)
    expect(an.doses.find((d) => d.seq === 5)).toMatchObject({ wall: T0 + 516, timeSource: "bounded", uncertaintySeconds: 57 });
    const html = clinicianView(an, { tz: "UTC", schedule: { basalMinutes: null, toleranceMinutes: 120 }, now: T0 + 3600, days: 14 });
    expect(html).toContain("00:08 (±57 s)");
  });

  it("the priming flag marks the DOSE before it as a prime, never itself; a cap check before it is not a prime", () => {
    const T0 = 1_773_000_000;
    const records = [rec(1, T0, 1, 0, 8), rec(2, T0 + 30, 1, 0x02, 20), rec(3, T0 + 9000, 2, 0, 3), rec(4, T0 + 9060, 1, 0x02, 20)];
    const an = analyse({ serial: "t", records, source: "t" });
    expect(an.sessions.map((s) => s.kind)).toEqual(["prime", "dose", "check", "dose"]);
    expect(an.doses.map((s) => s.seq)).toEqual([2, 4]);
  });

  it("re-derives the cap's double-dose signals by its rule: the cue inside the window, the alarm after 4 s off past the pair window (10 min); 8 h for basal; a power-on forgets", () => {
    const T0 = 1_773_000_000;
    const an = (records: DoseRecord[]) => analyse({ serial: "t", records, source: "t" });
    const at = (records: DoseRecord[]) => an(records).warnings.map((s) => s.seq);
    expect(at([rec(1, T0, 1, 0, 20), rec(2, T0 + 20 + 300, 1, 0, 20)])).toEqual([]); // inside 10 min: prime, recap, inject
    expect(an([rec(1, T0, 1, 0, 20), rec(2, T0 + 20 + 300, 1, 0, 20)]).cues.map((s) => s.seq)).toEqual([2]);
    expect(at([rec(1, T0, 1, 0, 20), rec(2, T0 + 20 + 3000, 2, 0, 3)])).toEqual([]); // a 3 s look: the cue only
    expect(an([rec(1, T0, 1, 0, 20), rec(2, T0 + 20 + 3000, 2, 0, 3)]).cues.map((s) => s.seq)).toEqual([2]);
    expect(at([rec(1, T0, 1, 0, 20), rec(2, T0 + 20 + 3000, 2, 0, 5)])).toEqual([2]); // 5 s off: the alarm
    expect(at([rec(1, T0, 1, 0, 20), rec(2, T0 + 20 + 7300, 1, 0, 20)])).toEqual([]);
    expect(at([rec(1, T0, 1, 0x20, 20), rec(2, T0 + 20 + 7300, 1, 0x20, 20)])).toEqual([2]); // basal: 8 h
    expect(at([rec(1, T0, 1, 0, 20), rec(2, T0 + 1000, 7, 0, 0), rec(3, T0 + 3000, 1, 0, 20)])).toEqual([]); // power-on
  });

  it("refuses a file that is not a pen cap log with a code and a message", () => {
    expect(() => parseLog('{"hello":1}', "x.json")).toThrow(LoadError);
    expect(() => parseLog("a,b\n1,2\n", "x.csv")).toThrow(/not a pen cap export/);
    expect(() => parseLog('{"format":"other","records":[]}', "x.json")).toThrow(/not a pencap export/);
  });
});
