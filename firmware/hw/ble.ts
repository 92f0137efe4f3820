// NRF wiring of the BLE engine (the only BLE file that touches Espruino globals). See docs/protocol.md
// for the bytes and the "Wiring" section there for how main.ts calls startBle().
import { BleEngine } from "../ble/engine";
import { ConfigStore, LogPort, Sender, fwError } from "../ble/ports";
import { scanResponse, SLOW_INTERVAL_MS, FAST_AFTER_EVENT_S } from "../ble/adv";
import { PairingWindow, PAIR_AFTER_GESTURE_S, PAIR_AFTER_POWER_ON_S } from "../ble/security";
import {
  BAS_LEVEL, BAS_UUID, CH_BATTERY, CH_CONFIG, CH_RACP, CH_RECORDS, CH_STATUS, CH_TIME, CONFIG_UUID,
  DIS_FIRMWARE, DIS_MANUFACTURER, DIS_MODEL, DIS_SERIAL, DIS_UUID, RACP_UUID, RECORDS_UUID, SERVICE_UUID,
  STATUS_UUID, TIME_UUID,
} from "../ble/uuids";
import { Config } from "../config/config";

// The @types/espruino in use predates several NRF calls; this is the part of the 2v29 API used here
// (libs/bluetooth/jswrap_bluetooth.c).
interface NrfApi {
  setServices(data: any, options: any): void;
  updateServices(data: any): void;
  setAdvertising(data: any, options: any): void;
  setScanResponse(data: any): void;
  setSecurity(options: any): void;
  getSecurityStatus(): { connected: boolean; encrypted: boolean; bonded: boolean; mitm_protected: boolean };
  on(event: string, cb: (x: any) => void): void;
  disconnect(): void;
}
declare function require(name: string): any;
declare const NRF: unknown;
declare function getTime(): number;
declare function setTime(t: number): void;
declare function setInterval(fn: () => void, ms: number): number;
declare function clearInterval(id: number): void;

export const CONFIG_FILE = "pencap.cfg";

export interface BleStartOptions {
  /** The mounted DoseLog (or anything with the LogPort methods). */
  log: LogPort;
  /** Serial number string (Device Information 0x2A25; the client's record identity prefix). */
  serial: string;
  /** Firmware revision string (0x2A26). */
  firmware: string;
  /** Model string (0x2A24). */
  model: string;
  /** Six-digit static passkey printed on the cap's label: MITM-protected pairing. Empty: Just Works. */
  passkey: string;
  /** True after a power-on reset (battery inserted): opens the pairing window for 180 s. */
  powerOnReset: boolean;
  /** New config after a valid write (detection thresholds, alert switches...). */
  onConfig?: (c: Config) => void;
  /**
   * Pacing: at most perTick packets every tickMs while connected (default 1 per 20 ms). Espruino builds the
   * SoftDevice with the default notification queue (BLE_GATTS_HVN_TX_QUEUE_SIZE_DEFAULT, 1) and ignores
   * NRF_ERROR_RESOURCES in NRF.updateServices, so a packet offered to a full queue is lost without notice;
   * the client re-requests such holes (docs/protocol.md section 5), pacing keeps them rare.
   */
  perTick?: number;
  tickMs?: number;
}

export interface BleHandle {
  engine: BleEngine;
  /** Call after every log append made by main/detection (status, advertising, fast interval). */
  recordAdded(): void;
  setBattery(percent: number): void;
  setAlerts(flags: number): void;
  /** The pairing gesture (5 quick cap clicks) was recognised: accept a new bond for 120 s. */
  openPairingWindow(): void;
  config(): Config;
}

/** Config persistence in Storage, read back after writing. */
export function storageConfigStore(): ConfigStore {
  // A module name in a variable: esbuild leaves the call to Espruino's own require() at run time.
  const mod = "Storage";
  const storage = require(mod);
  return {
    load: function (): Uint8Array | undefined {
      const buf = storage.readArrayBuffer(CONFIG_FILE);
      return buf ? new Uint8Array(buf) : undefined;
    },
    save: function (bytes: Uint8Array): void {
      storage.write(CONFIG_FILE, bytes);
      const back = storage.readArrayBuffer(CONFIG_FILE);
      const b = back ? new Uint8Array(back) : undefined;
      if (!b || b.length !== bytes.length) throw fwError("CONFIG_STORE", "config file did not read back");
      for (let i = 0; i < bytes.length; i++) if (b[i] !== bytes[i]) throw fwError("CONFIG_STORE", "config file differs");
    },
  };
}

function uuidOf(ch: number): string {
  if (ch === CH_RECORDS) return RECORDS_UUID;
  if (ch === CH_RACP) return RACP_UUID;
  if (ch === CH_TIME) return TIME_UUID;
  if (ch === CH_STATUS) return STATUS_UUID;
  return CONFIG_UUID;
}

export function startBle(o: BleStartOptions): BleHandle {
  const nrf = NRF as NrfApi;
  const perTick = o.perTick || 1;
  const tickMs = o.tickMs || 20;
  let budget = perTick;
  let timer = -1;
  const pairing = new PairingWindow();
  const mitm = o.passkey.length === 6;

  // One reusable update object per direction: updateServices copies the value.
  const inner: any = { value: undefined, notify: false, indicate: false };
  const chars: any = {};
  const upd: any = {};
  upd[SERVICE_UUID] = chars;
  function push(ch: number, data: Uint8Array, notify: boolean, indicate: boolean): boolean {
    for (const k in chars) delete chars[k];
    inner.value = data;
    inner.notify = notify;
    inner.indicate = indicate;
    chars[uuidOf(ch)] = inner;
    try {
      nrf.updateServices(upd);
      return true;
    } catch (e) {
      return false; // e.g. an indication still unconfirmed (BUSY): offered again on the next tick
    }
  }
  const sender: Sender = {
    notify: function (ch: number, data: Uint8Array): boolean {
      if (budget <= 0) return false;
      if (!push(ch, data, true, false)) return false;
      budget--;
      return true;
    },
    indicate: function (ch: number, data: Uint8Array): boolean {
      if (budget <= 0) return false;
      if (!push(ch, data, false, true)) return false;
      budget--;
      return true;
    },
  };

  const engine = new BleEngine({
    log: o.log,
    sender: sender,
    clock: { now: function () { return getTime(); }, set: function (t: number) { setTime(t); } },
    store: storageConfigStore(),
    onConfig: o.onConfig,
  });
  engine.init();

  const sec = { read: { encrypted: true, mitm: mitm }, write: { encrypted: true, mitm: mitm } };
  const dis: any = {};
  dis[DIS_MANUFACTURER] = { value: "Open Pen Cap project", readable: true };
  dis[DIS_MODEL] = { value: o.model, readable: true };
  dis[DIS_SERIAL] = { value: o.serial, readable: true };
  dis[DIS_FIRMWARE] = { value: o.firmware, readable: true };
  const bas: any = {};
  bas[BAS_LEVEL] = { value: engine.value(CH_BATTERY), readable: true, notify: true };
  const svc: any = {};
  svc[RECORDS_UUID] = { value: [0], maxLen: 240, notify: true, description: "Dose Records", security: sec };
  svc[RACP_UUID] = {
    value: [0], maxLen: 20, writable: true, indicate: true, description: "Record Access Control Point", security: sec,
    onWrite: function (evt: any) { onWrite(CH_RACP, evt); },
  };
  svc[TIME_UUID] = {
    value: engine.value(CH_TIME), maxLen: 6, readable: true, writable: true, description: "Device Time", security: sec,
    onWrite: function (evt: any) { onWrite(CH_TIME, evt); },
  };
  svc[STATUS_UUID] = { value: engine.value(CH_STATUS), maxLen: 20, readable: true, notify: true, description: "Status" };
  svc[CONFIG_UUID] = {
    value: engine.value(CH_CONFIG), maxLen: 30, readable: true, writable: true, description: "Config", security: sec,
    onWrite: function (evt: any) { onWrite(CH_CONFIG, evt); },
  };
  const all: any = {};
  all[DIS_UUID] = dis;
  all[BAS_UUID] = bas;
  all[SERVICE_UUID] = svc;
  // uart:false: no JavaScript console over BLE in production (docs/protocol.md "Re-flashing a locked cap").
  nrf.setServices(all, { uart: false });

  let pairOpen = false;
  function applySecurity(): void {
    pairOpen = pairing.isOpen(getTime());
    nrf.setSecurity({
      bond: true, mitm: mitm, display: mitm, passkey: mitm ? o.passkey : undefined,
      pair: pairOpen, encryptUart: true,
    });
  }
  function syncSecurity(): void {
    const s = nrf.getSecurityStatus();
    engine.setSecurity(!!s.encrypted, !!s.bonded);
  }
  let advInterval = -1;
  function advertise(): void {
    const ms = engine.advIntervalMs(getTime());
    advInterval = ms;
    const a = engine.advertising();
    const raw: number[] = [];
    for (let i = 0; i < a.length; i++) raw.push(a[i]);
    nrf.setAdvertising(raw, { interval: ms, connectable: true, scannable: true });
  }
  function flush(): void {
    // Push changed characteristic values (no notification: the engine notified Status itself).
    const c = engine.takeChanged();
    const chs = [CH_TIME, CH_STATUS, CH_CONFIG];
    for (let i = 0; i < chs.length; i++) if (c & (1 << chs[i])) push(chs[i], engine.value(chs[i]), false, false);
    if (c & (1 << CH_BATTERY)) {
      const b: any = {};
      b[BAS_LEVEL] = { value: engine.value(CH_BATTERY), notify: true };
      const u: any = {};
      u[BAS_UUID] = b;
      try { nrf.updateServices(u); } catch (e) { /* not subscribed or busy: value is still readable */ }
    }
    if (c & (1 << CH_STATUS)) advertise();
  }
  function tick(): void {
    budget = perTick;
    engine.pump();
    flush();
  }
  function onWrite(ch: number, evt: any): void {
    syncSecurity();
    engine.write(ch, new Uint8Array(evt.data));
    flush();
  }

  nrf.on("connect", function () {
    engine.connect(23);
    syncSecurity();
    flush();
    if (timer < 0) timer = setInterval(tick, tickMs);
  });
  nrf.on("mtu", function (m: number) { engine.setMtu(m); });
  nrf.on("security", function () { syncSecurity(); });
  nrf.on("bond", function (st: string) {
    if (st === "success") {
      pairing.close();
      applySecurity();
    }
  });
  nrf.on("disconnect", function () {
    engine.disconnect();
    if (timer >= 0) clearInterval(timer);
    timer = -1;
    advertise();
  });

  if (o.powerOnReset) pairing.open(getTime(), PAIR_AFTER_POWER_ON_S);
  applySecurity();
  nrf.setScanResponse(scanResponse("PenCap-" + o.serial.substr(o.serial.length - 4)));
  advertise();
  // Close the pairing window and drop back to slow advertising on time.
  setInterval(function () {
    const now = getTime();
    if (pairOpen !== pairing.isOpen(now)) applySecurity();
    if (engine.advIntervalMs(now) !== advInterval) advertise();
  }, 10000);

  return {
    engine: engine,
    recordAdded: function () { engine.recordAdded(); flush(); },
    setBattery: function (p: number) { engine.setBattery(p); flush(); },
    setAlerts: function (f: number) { engine.setAlerts(f); flush(); },
    openPairingWindow: function () { pairing.open(getTime(), PAIR_AFTER_GESTURE_S); applySecurity(); },
    config: function () { return engine.config(); },
  };
}

export { SLOW_INTERVAL_MS, FAST_AFTER_EVENT_S };
