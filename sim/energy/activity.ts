// The simulator's activity trace, exactly as fixed in docs/architecture.md ("Simulator surface").
// The simulated device (sim/device.ts) re-exports this declaration.
export type Activity =
  | { kind: "cpu"; seconds: number }
  | { kind: "flashWrite"; words: number }
  | { kind: "flashErase"; pages: number }
  | { kind: "pin"; pin: string; on: boolean }
  | { kind: "mag"; hz: number }
  | { kind: "advertising"; intervalMs: number; txPowerDbm: number }
  | { kind: "connection"; intervalMs: number }
  | { kind: "radioPackets"; count: number };

export type ActivityListener = (t: number, a: Activity) => void;
