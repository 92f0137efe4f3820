// The companion-app client's public API (docs/client.md). Everything here runs in browsers and in Node ≥ 20:
// no Node built-ins. Node-only parts (the file backend of the encrypted store) live in client/node.ts.
export { PenCapClient, decodeStatus, type Status, type ReportResult } from "./client";
export type { Transport } from "./transport";
export { attErrorOf } from "./transport";
export { WebBluetoothTransport } from "./web-bluetooth";
export { SimTransport, type SimCentralLike, type SimConnectOptions } from "./sim-transport";
export { RecordStore, type Gap, type GapKind } from "./store";
export { sync, type SyncResult } from "./sync";
export {
  decodeRecord, encodeRecord, describeRecord, doseUnits, doseTempC, insulinType, excursion, annotation, skippedSeqs, typeName, crc32, RESET_REASONS,
  type DoseRecord,
} from "./record";
export { reconstruct, powerOns, timeSetAnchor, DEFAULT_ANCHORS, type WallTime, type TimeSource, type AnchorRule, type PowerOnContext } from "./timeline";
export {
  rows, toCSV, fromCSV, toJSON, toExportDocument, fromExportJSON, annotatedSeq, primeSeqs, ClientError, EXPORT_FORMAT, EXPORT_VERSION,
  annotationsCell, parseAnnotationsCell,
  type ExportRow, type ExportDocument, type Role, type RowAnnotation,
} from "./export";
export {
  toNightscout, uploadTreatments, apiSecretHash, NightscoutError,
  type NightscoutTreatment, type NightscoutOptions, type NightscoutPlan, type NightscoutTarget, type UploadResult,
} from "./nightscout";
export * as stats from "./stats";
export type { DoseEvent, Period, DayCount, ScheduleSlot, SlotDay, SlotStatus, Regularity, ClosePair, Excursion, ClinicianReport, CapWarning } from "./stats";
export { localParts, localDate, utcOffsetMinutes, secondsOfDay, zonedToUnix, datesBetween } from "./tz";
export * as protocol from "./protocol";
export { Vault, MemoryBackend, VaultError, DEFAULT_ITERATIONS, MIN_ITERATIONS, type VaultBackend, type VaultErrorCode } from "./vault";
export { IndexedDBBackend } from "./vault-idb";
export type { StoreSnapshot } from "./store";
