// The example cap of docs/protocol.md: its log, clock and config. The document's hex flows run against it.
import { BleEngine, UPD_BATTERY } from "../../firmware/ble/engine";
import { CaptureSender, FakeClock, MemLog, MemStore } from "./fake-log";

export const EXAMPLE_CLOCK = 1764003800; // 2025-11-24T17:03:20Z

export function exampleLog(): MemLog {
  const log = new MemLog();
  log.append(0x07, 0x00, 0, 1, 1); // 0 BOOT: power-on reset, boot #1, clock not set
  log.append(0x01, 0x10, 35, 6, 0xff15); // 1 DOSE 35 s after power-on, 6 s off, 21 °C, units unknown, rapid
  log.append(0x06, 0x00, 1764000000, 120, 0); // 2 TIME_SET at power-on + 120 s → 2025-11-24T16:00:00Z
  log.append(0x01, 0x10, 1764003600, 8, 0x0c16); // 3 DOSE 17:00:00Z, 8 s off, 22 °C, 6 units, rapid
  log.append(0x02, 0x10, 1764003700, 1, 0xff16); // 4 CAP_CHECK 17:01:40Z, 1 s off
  return log;
}

export function exampleEngine(log = exampleLog()) {
  const sender = new CaptureSender();
  const clock = new FakeClock(EXAMPLE_CLOCK);
  const store = new MemStore();
  const engine = new BleEngine({ log, send: sender.send, clock, store });
  engine.update(UPD_BATTERY, 87);
  return { engine, sender, clock, store, log };
}
