// Public surface of detection (pure). Hardware wiring: firmware/hw/sensor.ts startDetection().
export * from "./codes";
export * from "./config";
export * from "./blink";
export * from "./machine";
export * from "./detector";
export * from "./reboot";
