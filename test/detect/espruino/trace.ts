// A recorded-style day for the cap: bouncing switch edges and a magnetometer stretch, used by driver.ts to
// compare the state machine on Node and on the real Espruino interpreter. Plain data, Espruino-safe.

/** Hall switch edges [time s, cap on 1/0], raw (bounce included). */
export var EDGES: number[][] = [
  // 07:30 breakfast dose with 30 ms bounce at both ends, 42 s off
  [27000, 0], [27000.01, 1], [27000.03, 0], [27042, 1], [27042.012, 0], [27042.03, 1],
  // pen dropped on the table: one 200 ms opening from the 5 Hz sensor, and a 40 ms one
  [28000, 0], [28000.2, 1], [28010, 0], [28010.04, 1],
  // 12:30 lunch: prime (20 s), recap, inject 50 s later (35 s)
  [45000, 0], [45020, 1], [45070, 0], [45105, 1],
  // 13:10 double-dose attempt: cap off 40 min after lunch, put back after 3 s (cap check)
  [47505, 0], [47508, 1],
  // cap clicked twice in a second
  [50000, 0], [50000.35, 1], [50000.7, 0], [50001.05, 1],
  // 15:00 snack dose in the hot afternoon, 20 s
  [54000, 0], [54020, 1],
  // 19:00 dinner dose, 25 s
  [68400, 0], [68425, 1],
  // 22:00 cap left off overnight until 07:00
  [79200, 0], [111600, 1],
];

/** Temperature (°C) at time t: a hot afternoon 14:00-16:00. */
export function tempAt(t: number): number {
  if (t >= 50400 && t < 57600) return t < 54000 ? 32.5 : 34;
  return 22.5;
}
