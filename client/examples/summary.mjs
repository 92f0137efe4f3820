// Example: read a pencap export (e.g. from `npm run sim -- --export demo.json`) with plain Node, no TypeScript,
// and print a 14-day summary in the patient's time zone. Run: node client/examples/summary.mjs demo.json Europe/Berlin
// (after `npm run build`, which writes dist/client/).
import { readFile } from "node:fs/promises";
import { fromExportJSON, rows, stats } from "pencap-firmware/client";

const [file = "demo.json", tz = "UTC"] = process.argv.slice(2);
const { store, doc } = fromExportJSON(await readFile(file, "utf8"));
const r = rows(store);
const report = stats.clinicianReport(r, {
  tz,
  days: 14,
  endUnix: Date.parse(doc.exportedAt) / 1000,
  schedule: [{ time: "22:00", toleranceMinutes: 120, insulin: "basal" }],
});
console.log(`cap ${store.serial}: ${report.totalDoses} doses from ${report.period.from} to ${report.period.to} (${tz})`);
console.log(`  ${report.primes} priming shot(s) not counted, ${report.uncertainDoses} uncertain, ${report.undatable.length} without a known time`);
console.log(`  ${report.closePairs.length} pair(s) of doses within 2 h, ${report.excursions.length} temperature excursion(s)`);
console.log(`  basal 22:00 ± 2 h missed on ${report.schedule[0].missed} day(s)`);
