// Sync figures from the BLE model (issue 7, item 7). Until the simulator's radio is wired in at
// integration, the figures are computed from this protocol's packetisation (docs/protocol.md 3.1) and the
// model's parameters below; they are estimates of the transfer, not measurements.
//   records per notification  k = min(15, floor((MTU − 3) / 16))
//   notifications             ceil(records / k)
//   connection events         1 (RACP write) + ceil((notifications + 1 final indication) / notificationsPerEvent)
//                             + setupEvents (connect, encryption, discovery, Status read: a parameter)
//   time                      events × connection interval

export interface SyncModel {
  mtu: number;
  intervalMs: number; // connection interval chosen by the phone
  notificationsPerEvent: number; // packets the link carries per connection event (radio and cap pacing)
  setupEvents: number; // events before the RACP request (0: transfer only)
}

export interface SyncFigures {
  records: number;
  recordsPerNotification: number;
  notifications: number;
  connectionEvents: number;
  seconds: number;
  recordsPerSecond: number;
}

export const DEFAULT_MODEL: SyncModel = { mtu: 23, intervalMs: 30, notificationsPerEvent: 3, setupEvents: 0 };

export function syncFigures(records: number, m: SyncModel): SyncFigures {
  const k = Math.max(1, Math.min(15, Math.floor((m.mtu - 3) / 16)));
  const notifications = Math.ceil(records / k);
  const connectionEvents = m.setupEvents + 1 + Math.ceil((notifications + 1) / m.notificationsPerEvent);
  const seconds = (connectionEvents * m.intervalMs) / 1000;
  return { records, recordsPerNotification: k, notifications, connectionEvents, seconds, recordsPerSecond: records / seconds };
}

/** The issue's three figures: 1,000 records at MTU 23 and 53, and a day's incremental sync (default 8 records). */
export function issueFigures(model: Partial<SyncModel> = {}, dayRecords = 8) {
  const base = { ...DEFAULT_MODEL, ...model };
  return {
    model: base,
    thousandAtMtu23: syncFigures(1000, { ...base, mtu: 23 }),
    thousandAtMtu53: syncFigures(1000, { ...base, mtu: 53 }),
    dayIncremental: syncFigures(dayRecords, { ...base, mtu: 53 }),
  };
}

if (process.argv[1] && process.argv[1].endsWith("sync.ts")) {
  const f = issueFigures();
  console.log("BLE sync (computed from packetisation; simulator radio not wired yet)");
  console.log(`model: interval ${f.model.intervalMs} ms, ${f.model.notificationsPerEvent} notifications/event`);
  for (const [name, x] of Object.entries({ "1000 records, MTU 23": f.thousandAtMtu23, "1000 records, MTU 53": f.thousandAtMtu53, "day (8 records), MTU 53": f.dayIncremental })) {
    console.log(`${name.padEnd(26)} ${x.notifications} notifications, ${x.connectionEvents} events, ${x.seconds.toFixed(2)} s`);
  }
}
