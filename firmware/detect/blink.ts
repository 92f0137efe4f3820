// The time-since-last-dose blink code shown on every cap removal (docs/detection.md, "Blink code").

/**
 * Number of short blinks for the time since the last dose: 1 blink = less than 1 h ago, k blinks = k-1 to
 * k hours ago, capped at `max` ("max-1 hours or more"). 0 means "no dose known" (the indicator shows one long
 * blink instead).
 */
export function blinkCount(sinceS: number, max: number): number {
  if (!(sinceS >= 0)) return 0;
  var n = Math.floor(sinceS / 3600) + 1;
  return n > max ? max : n;
}
