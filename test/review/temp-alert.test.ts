// Review: the "temperature excursion" alert flag (Status bit1, the advertising's alert byte; docs/protocol.md
// §3.4) is set while an excursion is in progress and cleared when it ends, not raised only at the end and kept
// until a reboot. The real bundle on a simulated MDBT42Q cap; the die temperature is set as a scenario's
// "temperature" event would (docs/scenarios.md). Virtual time.
import { beforeAll, describe, expect, it } from "vitest";
import { Cap, capLog, firmwareBundle } from "../e2e/harness.js";
import type { DoseRecord } from "../../client/record.js";

const TEMP_EXCURSION = 0x05;
const ALERT_TEMPERATURE = 2;
/** Normal plan's temperature period (docs/power.md): start and end are each seen up to one period late. */
const PERIOD_S = 600;

/** Alerts are no longer advertised (docs/protocol.md 4: a passive scanner sees the flags alone); this returns
 *  the alert bits a scanner could read from the advertising, which must always be none. */
function advertisedAlerts(cap: Cap): number {
  const s = cap.radio.radio.scan();
  if (!s) throw new Error("not advertising");
  if (Object.keys(s.manufacturerData).length !== 0 || s.advertising.length > 21) throw new Error("advertising carries data");
  return 0;
}

const excursions = (recs: DoseRecord[]) => recs.filter((r) => r.type === TEMP_EXCURSION);

describe("review: temperature alert while the excursion lasts", () => {
  let bundle: string;
  beforeAll(async () => {
    bundle = await firmwareBundle();
  });

  it("hot afternoon: flag set during the excursion, cleared after it; one record with its duration", async () => {
    const cap = new Cap(bundle);
    cap.device.temperature = 22;
    cap.run(3600);
    let l = await capLog(cap);
    expect(l.status.alertBits & ALERT_TEMPERATURE).toBe(0);
    expect(advertisedAlerts(cap) & ALERT_TEMPERATURE).toBe(0);

    // the pen is left in a hot car for 3 h
    const hotAt = cap.capTime();
    cap.device.temperature = 38;
    cap.run(PERIOD_S + 5); // at most one sampling period until the first reading above 30 °C
    l = await capLog(cap);
    expect(l.status.alertBits & ALERT_TEMPERATURE).toBe(ALERT_TEMPERATURE);
    expect(l.status.alerts.temperature).toBe(true);
    expect(advertisedAlerts(cap)).toBe(0); // the alert is for the bonded app (Status), not for every scanner
    expect(excursions(l.records)).toEqual([]); // the record comes when it ends

    cap.run(2 * 3600);
    l = await capLog(cap);
    expect(l.status.alertBits & ALERT_TEMPERATURE).toBe(ALERT_TEMPERATURE); // still going on
    expect(excursions(l.records)).toEqual([]);

    // back indoors
    const coolAt = hotAt + 3 * 3600;
    cap.run(coolAt - cap.capTime());
    cap.device.temperature = 24;
    cap.run(PERIOD_S + 5);
    l = await capLog(cap);
    expect(l.status.alertBits & ALERT_TEMPERATURE).toBe(0);
    expect(advertisedAlerts(cap) & ALERT_TEMPERATURE).toBe(0);
    const ex = excursions(l.records);
    expect(ex.length).toBe(1);
    expect(ex[0].b >> 8).toBe(1); // hot
    expect(ex[0].b & 0xff).toBe(38); // peak °C
    // starts at the first reading above the range, lasts (3 h ± one sampling period) in whole minutes
    expect(ex[0].time - hotAt).toBeGreaterThanOrEqual(0);
    expect(ex[0].time - hotAt).toBeLessThanOrEqual(PERIOD_S);
    expect(Math.abs(ex[0].a - 180)).toBeLessThanOrEqual(PERIOD_S / 60 + 1);

    // and it stays cleared: the old excursion is history, not an alert
    cap.run(6 * 3600);
    l = await capLog(cap);
    expect(l.status.alertBits & ALERT_TEMPERATURE).toBe(0);
    expect(excursions(l.records).length).toBe(1);
  });

  it("a dose during the excursion splits the record but the flag stays set until it ends", async () => {
    const cap = new Cap(bundle);
    cap.device.temperature = 22;
    cap.run(3600);
    cap.device.temperature = 35;
    cap.run(3600);
    cap.dose(30);
    let l = await capLog(cap);
    expect(l.status.alertBits & ALERT_TEMPERATURE).toBe(ALERT_TEMPERATURE);
    expect(excursions(l.records).length).toBe(1); // the part before the dose
    cap.run(3600);
    cap.device.temperature = 20;
    cap.run(PERIOD_S + 5);
    l = await capLog(cap);
    expect(l.status.alertBits & ALERT_TEMPERATURE).toBe(0);
    const ex = excursions(l.records);
    expect(ex.length).toBe(2);
    expect(Math.abs(ex[0].a + ex[1].a - 120)).toBeLessThanOrEqual(PERIOD_S / 60 + 2);
  });

  it("cold: a pen frozen in a car raises the flag while below 2 °C", async () => {
    const cap = new Cap(bundle);
    cap.device.temperature = -5;
    cap.run(PERIOD_S + 5);
    let l = await capLog(cap);
    expect(l.status.alertBits & ALERT_TEMPERATURE).toBe(ALERT_TEMPERATURE);
    cap.device.temperature = 10;
    cap.run(PERIOD_S + 5);
    l = await capLog(cap);
    expect(l.status.alertBits & ALERT_TEMPERATURE).toBe(0);
    const ex = excursions(l.records);
    expect(ex.length).toBe(1);
    expect(ex[0].b >> 8).toBe(2); // cold
  });
});
