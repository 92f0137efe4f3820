// Public surface of the BLE simulator: the NRF global for the firmware's vm context, the radio handle for the
// simulator, and the simulated central (phone) for tests, benchmarks and the client's transport.
export { createNrf, NUS, HCI } from "./nrf.js";
export type { BleActivity, BleStats, CharProps, CreateNrfOptions, DiscoveredCharacteristic, DiscoveredService, NrfGlobal, SimClock, SimRadio } from "./nrf.js";
export { SimCentral } from "./central.js";
export type { CentralRejection, ConnectOptions, ConnectResult, PairResult } from "./central.js";
export { ATT_ERR, attName } from "./att.js";
export type { AttErrorRejection, LinkRejection } from "./att.js";
export { ESPRUINO_COMPANY_ID, type ScanRecord } from "./adv.js";
export { parseUuid } from "./uuid.js";
