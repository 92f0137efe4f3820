// What the patient sees and hears from a simulated cap board (real bundle, sim/device.ts pin activity): red LED
// D2 ("LED2"), green LED D3 ("LED3"), buzzer D4 ("BUZZER"), as firmware/boards/index.ts wires the MDBT42Q.
import type { Cap } from "../e2e/harness.js";

export interface Pulse {
  pin: string;
  on: number; // virtual seconds
  off: number;
}

/** Records every LED/buzzer pulse from now on. */
export function watchPins(cap: Cap): { pulses: Pulse[]; stop: () => void } {
  const pulses: Pulse[] = [];
  const open = new Map<string, number>();
  const stop = cap.device.onActivity((t, a) => {
    if (a.kind !== "pin") return;
    if (a.on) open.set(a.pin, t);
    else if (open.has(a.pin)) {
      pulses.push({ pin: a.pin, on: open.get(a.pin)!, off: t });
      open.delete(a.pin);
    }
  });
  return { pulses, stop };
}

export const RED = "LED2";
export const GREEN = "LED3";
export const BUZZER = "BUZZER";

/**
 * Green pulses read as a person reads them: a run of pulses with less than `gapS` of dark between them is one
 * code. Returns each code's pulse count (a 1 s pulse, "no dose known", counts as 0).
 */
export function greenCodes(pulses: Pulse[], gapS = 0.9): number[] {
  const g = pulses.filter((p) => p.pin === GREEN).sort((x, y) => x.on - y.on);
  const codes: number[] = [];
  let n = -1;
  let lastOff = -Infinity;
  for (const p of g) {
    const long = p.off - p.on > 0.5;
    if (p.on - lastOff >= gapS || n < 0) {
      if (n >= 0) codes.push(n);
      n = 0;
    }
    if (!long) n++;
    lastOff = p.off;
  }
  if (n >= 0) codes.push(n);
  return codes;
}

/** Buzzer pulses. */
export function buzzCount(pulses: Pulse[]): number {
  return pulses.filter((p) => p.pin === BUZZER).length;
}

/** Red pulses. */
export function redCount(pulses: Pulse[]): number {
  return pulses.filter((p) => p.pin === RED).length;
}
