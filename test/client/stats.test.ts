// client/stats.ts: the clinician report's figures, in the patient's time zone, on hand-made logs (every figure
// checked by hand) and on the default scenario.
import { beforeAll, describe, expect, it } from "vitest";
import { RecordStore } from "../../client/store";
import { rows, type ExportRow } from "../../client/export";
import { encodeRecord, decodeRecord } from "../../client/record";
import {
  clinicianReport, closeDoses, doseEvents, dosesPerDay, excursions, hourHistogram, periodEnding, scheduleAdherence, timingRegularity,
} from "../../client/stats";
import { localDate, zonedToUnix, utcOffsetMinutes } from "../../client/tz";
import { defaultScenarioStore } from "./default-store";

const BERLIN = "Europe/Berlin";
const at = (iso: string) => Date.parse(iso) / 1000;
function logRows(items: [type: number, iso: string, flags?: number, a?: number, b?: number][]): ExportRow[] {
  const s = new RecordStore("PC-S");
  items.forEach(([type, iso, flags = 0x20, a = 9, b = 0x1416], i) => s.add(decodeRecord(encodeRecord({ seq: i + 1, time: at(iso), type, flags, a, b }))!));
  return rows(s);
}

describe("time zone arithmetic", () => {
  it("local dates and wall-clock readings follow the zone, DST included", () => {
    expect(localDate(at("2026-03-28T23:30:00Z"), BERLIN)).toBe("2026-03-29"); // 00:30 CET
    expect(localDate(at("2026-03-28T23:30:00Z"), "America/New_York")).toBe("2026-03-28");
    expect(zonedToUnix(2026, 3, 29, 22 * 3600, BERLIN)).toBe(at("2026-03-29T20:00:00Z")); // CEST after the switch
    expect(zonedToUnix(2026, 3, 28, 22 * 3600, BERLIN)).toBe(at("2026-03-28T21:00:00Z")); // CET before
    // 02:30 on the spring-forward day does not exist: the reading one offset later
    expect(zonedToUnix(2026, 3, 29, 2.5 * 3600, BERLIN)).toBe(at("2026-03-29T01:30:00Z"));
    // 02:30 on the fall-back day exists twice: the earlier
    expect(zonedToUnix(2026, 10, 25, 2.5 * 3600, BERLIN)).toBe(at("2026-10-25T00:30:00Z"));
    expect(utcOffsetMinutes(at("2026-06-01T00:00:00Z"), "Australia/Lord_Howe")).toBe(630);
    expect(() => localDate(0, "Mars/Olympus")).toThrow(RangeError);
  });
});

describe("doses per day, hours, close doses", () => {
  const r = logRows([
    [1, "2026-03-01T21:05:00Z"], // 22:05 Berlin, 1 Mar
    [1, "2026-03-01T23:30:00Z", 0x10, 9, 0xff16], // 00:30 Berlin, 2 Mar, units unknown
    [1, "2026-03-02T00:10:00Z", 0x12], // flagged: the one before (seq 2) was a prime
    [3, "2026-03-02T20:50:00Z"], // uncertain, 21:50 Berlin 2 Mar
    [5, "2026-03-02T10:00:00Z", 0, 45, 0x0222], // b: high byte 2 = too cold, low byte 0x22 = 34 °C (as the record stores it)
  ]);
  const { doses, primes, undatable } = doseEvents(r);

  it("primes are not doses; uncertain ones are, flagged", () => {
    expect(doses.map((d) => d.seq)).toEqual([1, 3, 4]);
    expect(primes.map((p) => p.seq)).toEqual([2]);
    expect(undatable).toEqual([]);
    expect(doses[2].uncertain).toBe(true);
    expect(doses[1].afterPrime).toBe(true);
  });

  it("counts by the patient's local day, every day present", () => {
    const days = dosesPerDay(doses, { from: "2026-03-01", to: "2026-03-03" }, BERLIN);
    expect(days).toEqual([
      { date: "2026-03-01", doses: 1, uncertain: 0, units: 10, unitsUnknown: 0 },
      { date: "2026-03-02", doses: 2, uncertain: 1, units: 20, unitsUnknown: 0 },
      { date: "2026-03-03", doses: 0, uncertain: 0, units: 0, unitsUnknown: 0 },
    ]);
    // the same doses in UTC days
    expect(dosesPerDay(doses, { from: "2026-03-01", to: "2026-03-02" }, "UTC").map((d) => d.doses)).toEqual([1, 2]);
  });

  it("hour histogram in local hours", () => {
    const h = hourHistogram(doses, BERLIN);
    expect(h[22]).toBe(1);
    expect(h[1]).toBe(1); // 00:10Z = 01:10 CET
    expect(h[21]).toBe(1);
    expect(h.reduce((a, b) => a + b, 0)).toBe(3);
  });

  it("doses within 2 h of each other; a prime + injection pair never counts", () => {
    const pairs = closeDoses(doses);
    expect(pairs).toEqual([]); // seq 1 22:05 → seq 3 01:10 is 3 h 5 min; seq 2 (prime) is not a dose
    const withPrime = closeDoses([...doses, { ...doses[0], id: "x", seq: 99, wall: doses[0].wall + 3600 }]);
    expect(withPrime.map((p) => [p.first.seq, p.second.seq, p.minutesApart])).toEqual([[1, 99, 60]]);
  });

  it("excursions decoded", () => {
    expect(excursions(r)).toEqual([{ id: "PC-S-5", start: at("2026-03-02T10:00:00Z"), minutes: 45, kind: "cold", extremeC: 34 }]);
  });
});

describe("missed basal against 22:00 ± 2 h", () => {
  const slot = { time: "22:00", toleranceMinutes: 120, insulin: "basal" as const };
  const r = logRows([
    [1, "2026-03-29T19:40:00Z"], // 21:40 CEST, 29 Mar (the DST day): taken, −20 min
    [1, "2026-03-30T22:30:00Z"], // 00:30 CEST 31 Mar: 2.5 h late for 30 Mar → outside the window
    [1, "2026-03-31T20:10:00Z", 0x10], // rapid at 22:10: does not count for a basal slot
    [3, "2026-04-01T20:00:00Z"], // uncertain only
  ]);
  const { doses } = doseEvents(r);
  const period = { from: "2026-03-28", to: "2026-04-02" };
  const covered = { from: at("2026-03-28T00:00:00Z"), to: at("2026-04-02T12:00:00Z") };
  const days = scheduleAdherence(doses, slot, period, BERLIN, covered);

  it("classifies each local day", () => {
    expect(days.map((d) => [d.date, d.status])).toEqual([
      ["2026-03-28", "missed"],
      ["2026-03-29", "taken"],
      ["2026-03-30", "missed"],
      ["2026-03-31", "missed"],
      ["2026-04-01", "uncertain"],
      ["2026-04-02", "not-covered"], // the window 20:00–24:00 lies after the last sync
    ]);
    expect(days[1].offsetMinutes).toBe(-20);
    expect(days[1].windowStart).toBe(at("2026-03-29T18:00:00Z")); // 20:00 CEST
    expect(days[0].windowStart).toBe(at("2026-03-28T19:00:00Z")); // 20:00 CET
  });

  it("a rapid-only slot ignores basal; unset insulin always counts", () => {
    const rapid = scheduleAdherence(doses, { ...slot, insulin: "rapid" }, period, BERLIN, covered);
    expect(rapid[3].status).toBe("taken");
    expect(rapid[1].status).toBe("missed");
    const unset = doseEvents(logRows([[1, "2026-03-29T19:40:00Z", 0]])).doses;
    expect(scheduleAdherence(unset, slot, period, BERLIN, covered)[1].status).toBe("taken");
  });

  it("regularity: mean and SD of the offsets, share within ±30 min of covered days", () => {
    const days2 = scheduleAdherence(doseEvents(logRows([[1, "2026-03-28T21:10:00Z"], [1, "2026-03-29T19:30:00Z"]])).doses, slot, period, BERLIN, covered);
    // offsets: +10 (22:10 CET), −30 (21:30 CEST)
    expect(timingRegularity(days2)).toEqual({ count: 2, meanOffsetMinutes: -10, sdMinutes: 20, within30Minutes: 2 / 5 });
    expect(() => scheduleAdherence(doses, { time: "25:00", toleranceMinutes: 60 }, period, BERLIN, covered)).toThrow(RangeError);
  });
});

describe("the clinician report on the default scenario", () => {
  let r: ExportRow[];
  let end: number;
  beforeAll(async () => {
    const { store } = await defaultScenarioStore();
    r = rows(store);
    end = Math.max(...r.filter((x) => x.wallTime).map((x) => Date.parse(x.wallTime!) / 1000));
  });

  it("14 days: all 57 true doses, no prime counted, the excursion, nothing undatable", () => {
    const rep = clinicianReport(r, { tz: "UTC", days: 15, endUnix: end, schedule: [{ time: "22:00", toleranceMinutes: 120 }] });
    expect(rep.totalDoses).toBe(57);
    expect(rep.primes).toBe(9);
    expect(rep.undatable).toEqual([]);
    expect(rep.perDay.length).toBe(15);
    expect(rep.excursions.length).toBe(1);
    expect(rep.hours.reduce((a, b) => a + b, 0)).toBe(57);
    const s = rep.schedule[0];
    expect(s.days.length).toBe(15);
    expect(s.missed + s.notCovered + s.days.filter((d) => d.status === "taken" || d.status === "uncertain").length).toBe(15);
    expect(periodEnding(end, 15, "UTC")).toEqual(rep.period);
  });
});

describe("the double-dose warnings the cap gave, from its records", () => {
  it("match the signals the simulated cap showed in the default scenario: alarms to alarms, cues to cues (same removals)", async () => {
    const { capDoubleDoseWarnings, capDoubleDoseSignals } = await import("../../client/stats");
    const { store, doubleDoseWarnings, doubleDoseCues, startUnix } = await defaultScenarioStore();
    const r = rows(store);
    // the pattern starts at the removal as the cap detects it (the record's time is the floored cap-off time;
    // detection samples the magnet about once a second, and the pattern is reported when it has played); the
    // alarm plays 4 s after the removal
    const alarms = capDoubleDoseWarnings(r);
    expect(doubleDoseWarnings.length).toBeGreaterThan(0);
    expect(alarms.length).toBe(doubleDoseWarnings.length);
    alarms.forEach((x, i) => expect(Math.abs(x.at + 4 - startUnix - doubleDoseWarnings[i])).toBeLessThanOrEqual(3));
    // every removal inside the window got the quiet cue, the alarm's removals included
    const all = capDoubleDoseSignals(r);
    expect(all.length).toBe(doubleDoseCues.length);
    all.forEach((x, i) => expect(Math.abs(x.at - startUnix - doubleDoseCues[i])).toBeLessThanOrEqual(3));
    expect(all.filter((x) => x.kind === "alarm")).toEqual(alarms);
  });

  it("the rule: the cue at every removal inside the window; the alarm after 4 s off and past the pair window; basal 8 h; a power-on forgets", async () => {
    const { capDoubleDoseWarnings, capDoubleDoseSignals } = await import("../../client/stats");
    const r = logRows([
      [1, "2026-03-02T08:00:00Z", 0x10, 10], // rapid, ends 08:00:10
      [1, "2026-03-02T08:01:00Z", 0x12, 10], // 50 s later: pair window, cue only
      [2, "2026-03-02T09:00:00Z", 0x10, 3], // cap check 58 min after, 3 s off: cue only (a look)
      [1, "2026-03-02T09:30:00Z", 0x10, 10], // 1 h 29 min after seq 2, 10 s off: the alarm
      [1, "2026-03-02T11:40:00Z", 0x10, 10], // 2 h 10 min after seq 4: nothing
      [1, "2026-03-02T20:00:00Z", 0x20, 10], // basal
      [2, "2026-03-03T03:00:00Z", 0x20, 5], // 7 h later, 5 s off: the alarm (basal window 8 h)
      [7, "2026-03-03T03:30:00Z", 0, 3], // BOOT (a: reset reason 3), soft reset: the clock and the last dose are kept
      [2, "2026-03-03T03:40:00Z", 0x20, 3], // cue
      [7, "2026-03-03T03:50:00Z", 0, 0], // BOOT, power-on (reason 0): forgotten
      [2, "2026-03-03T04:00:00Z", 0x20, 3], // nothing
    ]);
    expect(capDoubleDoseSignals(r).map((x) => [x.id, x.kind, x.lastDoseId, x.minutesSinceLastDose])).toEqual([
      ["PC-S-2", "cue", "PC-S-1", 1],
      ["PC-S-3", "cue", "PC-S-2", 59],
      ["PC-S-4", "alarm", "PC-S-2", 89],
      ["PC-S-7", "alarm", "PC-S-6", 420],
      ["PC-S-9", "cue", "PC-S-6", 460],
    ]);
    expect(capDoubleDoseWarnings(r).map((x) => x.id)).toEqual(["PC-S-4", "PC-S-7"]);
    expect(capDoubleDoseWarnings(r, { windowSeconds: 3000 }).length).toBe(0);
  });
});
