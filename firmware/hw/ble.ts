// NRF wiring of the BLE engine (the only BLE file that touches Espruino globals). See docs/protocol.md
// for the bytes and the "Wiring" section there for how main.ts calls startBle().
import { BleEngine, EngK } from "../ble/engine";
import { ConfigStore, LogPort } from "../ble/ports";
import { cfgLoad, cfgSave } from "./cfg-file";
import { CfK } from "../config/cfgfile";
import { scanResponse } from "../ble/adv";
import { SecK } from "../ble/security";
import { UuidK } from "../ble/uuids";
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
  setTxPower(dbm: number): void;
  setConnectionInterval(ms: number | { minInterval: number; maxInterval: number }): void;
  on(event: string, cb: (x: any) => void): void;
  disconnect(): void;
}
declare function require(name: string): any;
// The global itself, typed here (no local alias: each local of startBle lives as long as its closures).
declare const NRF: NrfApi;
declare function getTime(): number;
declare function setTime(t: number): void;
declare function setInterval(fn: () => void, ms: number): number;
declare function clearInterval(id: number): void;
declare function changeInterval(id: number, ms: number): void;
declare function setTimeout(fn: () => void, ms: number): number;
declare function clearTimeout(id: number): void;

export { CONFIG_FILE } from "./cfg-file";
/** The cap's 6-digit passkey, written by flash.sh (scripts/flash/passkey.mjs) and printed on its label. */
export const PASSKEY_FILE = "pencap.key";

/** Link limits of the pairing defence (docs/protocol.md "Security"), inlined by esbuild. */
const enum LinkK {
  /** An untrusted link (not encrypted with a MITM-protected bond) is dropped after this many seconds... */
  UNTRUSTED_S = 5,
  /** ...or this many once a pairing started while the window is open (SMP's own timeout is 30 s). */
  PAIRING_S = 35,
  /** Failed pairings that close the window. */
  MAX_PAIR_FAILS = 3,
}

/** The BLE part of the power plan (PowerPlan in firmware/power/plan.ts is one; docs/power.md has the costs). */
export interface BlePlan {
  /** Advertising interval (ms) while nothing happened recently. */
  slowAdvertisingMs: number;
  /** Advertising interval (ms) while the pairing window is open; 0: slow then too. */
  fastAdvertisingMs: number;
  /** NRF.setTxPower (dBm): -40, -20, -16, -12, -8, -4, 0, 3, 4 on the nRF52832. */
  txPowerDbm: number;
  /** A link that made no request for this long (s) and has nothing to send is dropped. */
  idleDisconnectSeconds: number;
  /** Connection interval (ms) asked for on connect (NRF.setConnectionInterval). */
  syncConnectionIntervalMs: number;
}

export interface BleStartOptions {
  /** The mounted DoseLog (or anything with the LogPort methods). */
  log: LogPort;
  /** Serial number string (Device Information 0x2A25; the client's record identity prefix). */
  serial: string;
  /** Firmware revision string (0x2A26). */
  firmware: string;
  /** Model string (0x2A24). */
  model: string;
  /** Six-digit static passkey printed on the cap's label (LESC passkey entry with MITM). Undefined: read
   *  from Storage (PASSKEY_FILE). Without a valid one no phone can complete pairing: there is no Just Works. */
  passkey?: string;
  /** True after a power-on reset (battery inserted): opens the pairing window for 180 s. */
  powerOnReset: boolean;
  /** Advertising, TX power and link limits (the power plan in force; setPlan() changes it later). */
  plan: BlePlan;
  /** New config after a valid write (detection thresholds, alert switches...). */
  onConfig?: (c: Config) => void;
  /** The app's Device Time write moved the clock by delta = new - old seconds (after the TIME_SET record
   *  was appended and the clock set): shift times kept in clock units (detection's cap-off start...). */
  onTimeChanged?: (delta: number) => void;
  /**
   * Pacing: at most perTick packets (default 4) per tick, a tick every connection interval (as
   * NRF.getSecurityStatus() reports it) but not more often than every 15 ms, or every tickMs where the
   * interval is not reported. The timer runs only while a link has packets waiting (a report or queued
   * responses); an idle link or no link wakes the CPU for nothing. On S132 v3 (SDK 12) a notification takes
   * one of the SoftDevice's application TX buffers until sent; Espruino ignores BLE_ERROR_NO_TX_PACKETS in
   * NRF.updateServices and gives JavaScript no TX-complete event, so a packet offered to a full queue is lost
   * without notice. 4 per interval stay within the buffers as long as the phone takes 4 per connection event;
   * the client asks again for any hole (docs/protocol.md 3.2 "Lost notifications"), so a slower phone loses
   * time, never a record.
   */
  perTick?: number;
  tickMs?: number;
}

export interface BleHandle {
  engine: BleEngine;
  /**
   * engine.update() and the radio (one function for the three inputs: each costs RAM on the cap):
   * UPD_RECORD after every log append made by main/detection (status, advertising, fast interval; v unused),
   * UPD_BATTERY with the percent, UPD_ALERTS with the Status alert flags (firmware/ble/engine.ts).
   */
  update(kind: number, v: number): void;
  /** The pairing gesture (5 quick cap clicks) was recognised: accept a new bond for 120 s. */
  openPairingWindow(): void;
  /** Switch the power plan (safe mode): TX power, advertising intervals and link limits at once. */
  setPlan(plan: BlePlan): void;
}

/** Config persistence: slots of the pre-allocated "pencap.cfg" (firmware/hw/cfg-file.ts), read back after
 *  writing. No room left, or no such file: CONFIG_STORE (the app is told 0x04 "not stored": re-flash). */
export function storageConfigStore(): ConfigStore {
  return {
    load: function (): Uint8Array | undefined {
      return cfgLoad(CfK.KIND_CONFIG);
    },
    save: cfgSave,
  };
}


export function startBle(o: BleStartOptions): BleHandle {
  const perTick = o.perTick || 4;
  const tickMs = o.tickMs || 20;
  let tickEvery = tickMs; // ms between ticks: the link's connection interval (syncSecurity), at least 15 ms
  let fastLink = false; // a short connection interval was asked for this transfer
  let plan = o.plan;
  let budget = perTick; // packets the pacing may send now (a fraction carries over to the next tick)
  let ticker = -1; // pacing interval: only while connected with packets pending
  let wake = -1; // the one timeout for the next scheduled change (pairing, fast->slow, idle link)
  let lastActive = 0; // clock time of the last request or the end of the last transfer
  // The pairing window (docs/protocol.md "Security"): clock time at which it closes, -1 when closed. A plain
  // number, not an object: every method costs RAM on the cap.
  let pairUntil = -1;
  // LESC passkey entry with the label's passkey. None (not provisioned): the SoftDevice makes a random one
  // per pairing that nobody sees, so no phone can pair (fail closed, never Just Works).
  let passkey = o.passkey;
  if (passkey === undefined) {
    const mod = "Storage";
    passkey = require(mod).read(PASSKEY_FILE);
  }
  if (!passkey || passkey.length !== 6) passkey = undefined; // flash.sh checks the digits
  let holdUntil = 0; // an untrusted link is dropped at this clock time
  let fails = 0; // failed pairings since the window opened
  const onTimeChanged = o.onTimeChanged;

  // One reusable update object per direction: updateServices copies the value.
  const inner: any = { value: undefined, notify: false, indicate: false };
  const chars: any = {};
  const upd: any = {};
  upd[UuidK.SERVICE_UUID] = chars;
  let sentCh = -1; // the characteristic and kind `chars` is set up for
  let sentQuiet: boolean | undefined = false;
  /**
   * The engine's Send (firmware/ble/ports.ts), and flush()'s value update when `quiet` (the engine calls it
   * with two arguments): one function for both, each costs RAM on the cap. The engine indicates on the RACP
   * only and notifies on Records and Status only, so the characteristic says which one is meant; a quiet
   * update only sets the value, outside the pacing budget, and its failure is ignored.
   */
  function send(ch: number, data: Uint8Array, quiet?: boolean): boolean {
    if (!quiet && budget < 1) return false;
    inner.value = data;
    // The update object is rebuilt only when the characteristic or the kind changes: a report's record
    // notifications reuse it as it is (each statement costs time on Espruino, per notification).
    if (ch !== sentCh || !quiet !== !sentQuiet) {
      sentCh = ch;
      sentQuiet = quiet;
      for (const k in chars) delete chars[k];
      inner.notify = !quiet && ch !== UuidK.CH_RACP;
      inner.indicate = !quiet && ch === UuidK.CH_RACP;
      chars[
        ch === UuidK.CH_RECORDS ? UuidK.RECORDS_UUID : ch === UuidK.CH_RACP ? UuidK.RACP_UUID : ch === UuidK.CH_TIME ? UuidK.TIME_UUID
          : ch === UuidK.CH_STATUS ? UuidK.STATUS_UUID : UuidK.CONFIG_UUID
      ] = inner;
    }
    try {
      NRF.updateServices(upd);
    } catch (e) {
      // e.g. an indication still unconfirmed (BUSY): offered again on the next tick. A notification is never
      // refused for a full queue on Espruino (it is dropped silently): this one is too long for the link
      // (DATA_SIZE), so the app's 0xA2 size was wrong.
      if (!quiet && ch === UuidK.CH_RECORDS) engine.racp.notifyRefused();
      return false;
    }
    if (!quiet) budget--;
    return true;
  }

  // The clock is getTime/setTime themselves: the engine records how far a Device Time write moved it.
  const engine = new BleEngine({
    log: o.log,
    send: send,
    clock: { now: getTime, set: setTime },
    store: storageConfigStore(),
    onConfig: o.onConfig,
  });

  // NRF keeps the services object, and the closures below keep this scope: few locals, shared parts.
  // One object for read and write, shared by every characteristic.
  // LESC with MITM (security mode 1 level 4, Espruino's set_security_mode "lesc"): only a phone that paired
  // by typing the passkey passes; a Just Works bond (which SDK12 cannot refuse) is refused by the SoftDevice.
  const sec: any = { read: { encrypted: true, mitm: true, lesc: true } };
  sec.write = sec.read;
  const all: any = {};
  let s: any = (all[UuidK.DIS_UUID] = {}); // the service being filled in
  s[UuidK.DIS_MANUFACTURER] = { value: "Open Pen Cap project", readable: true };
  s[UuidK.DIS_MODEL] = { value: o.model, readable: true };
  s[UuidK.DIS_SERIAL] = { value: o.serial, readable: true, security: sec };
  s[UuidK.DIS_FIRMWARE] = { value: o.firmware, readable: true };
  s = all[UuidK.BAS_UUID] = {};
  s[UuidK.BAS_LEVEL] = { value: engine.value(UuidK.CH_BATTERY), readable: true, notify: true };
  s = all[UuidK.SERVICE_UUID] = {};
  s[UuidK.RECORDS_UUID] = { value: [0], maxLen: 240, notify: true, description: "Dose Records", security: sec };
  s[UuidK.RACP_UUID] = {
    value: s[UuidK.RECORDS_UUID].value /* the same [0] */, maxLen: 20, writable: true, indicate: true, description: "Record Access Control Point", security: sec,
    onWrite: function (evt: any) { onWrite(UuidK.CH_RACP, evt); },
  };
  s[UuidK.TIME_UUID] = {
    value: engine.value(UuidK.CH_TIME), maxLen: 6, readable: true, writable: true, description: "Device Time", security: sec,
    onWrite: function (evt: any) { onWrite(UuidK.CH_TIME, evt); },
  };
  s[UuidK.STATUS_UUID] = { value: engine.value(UuidK.CH_STATUS), maxLen: 20, readable: true, notify: true, description: "Status", security: sec };
  s[UuidK.CONFIG_UUID] = {
    value: engine.value(UuidK.CH_CONFIG), maxLen: 30, readable: true, writable: true, description: "Config", security: sec,
    onWrite: function (evt: any) { onWrite(UuidK.CH_CONFIG, evt); },
  };
  // uart:false: no JavaScript console over BLE in production (docs/protocol.md "Re-flashing a locked cap").
  NRF.setServices(all, { uart: false });

  let pairOpen = false;
  // On SDK12 `pair:false` refuses nothing (the Peer Manager answers first, sim/ble/nrf.ts pair()), but the
  // Peer Manager does use `bond`: outside the window a pairing stores no bond, so it never makes a trusted
  // link. `pair` is still set for SDK14+ builds, where it works.
  function applySecurity(): void {
    pairOpen = getTime() < pairUntil;
    engine.capConfirmed = pairOpen;
    NRF.setSecurity({
      bond: pairOpen, mitm: true, lesc: true, display: true, passkey: passkey,
      pair: pairOpen, encryptUart: true,
    });
    advertise();
  }
  function syncSecurity(): void {
    const s: any = NRF.getSecurityStatus();
    engine.trusted = !!s.connected && !!s.encrypted && !!s.bonded && !!s.mitm_protected;
    // connectionInterval: 1.25 ms units (2v29 jsble_get_security_status); absent where not reported
    // The tick is 1 ms longer than the interval: two ticks never fall between the same two connection events
    // (the packets of two would then wait together in the 7 TX buffers).
    tickEvery = s.connectionInterval > 0 ? (s.connectionInterval < 12 ? 15 : s.connectionInterval * 1.25) + 1 : tickMs;
  }
  /** Asks for a short connection interval while a transfer runs, the plan's one otherwise. Apple's accessory
   *  guidelines: min >= 15 ms, max >= min + 15 ms. */
  function linkSpeed(fast: boolean): void {
    if (fast === fastLink) return;
    fastLink = fast;
    const ms = fast ? 15 : plan.syncConnectionIntervalMs;
    try { NRF.setConnectionInterval({ minInterval: ms, maxInterval: ms + 15 }); } catch (e) { /* keep the phone's */ }
  }
  let advMs = -1; // the interval advertising runs at
  // What a passive scanner sees (docs/protocol.md 4): nothing that changes with a dose. The product UUID and
  // the name only while the window is open, at the fast interval; otherwise the flags alone, slow (bonded
  // phones reconnect by address).
  function advertise(): void {
    const ms = pairOpen && plan.fastAdvertisingMs > 0 ? plan.fastAdvertisingMs : plan.slowAdvertisingMs;
    advMs = ms;
    // The engine's buffer itself: NRF keeps what it is given, and an Array would hold 30 variables.
    NRF.setAdvertising(engine.advertising().subarray(0, pairOpen ? 21 : 3), { interval: ms, connectable: true, scannable: true, name: "PenCap" });
    NRF.setScanResponse(pairOpen ? scanResponse("PenCap-" + serial4) : engine.advertising().subarray(0, 0));
  }
  function flush(): void {
    // Push changed characteristic values (no notification: the engine notified Status itself).
    const c = engine.changed;
    engine.changed = 0;
    // Time, Status, Config: ids 3, 4, 5.
    for (let ch: number = UuidK.CH_TIME; ch <= UuidK.CH_CONFIG; ch++) if (c & (1 << ch)) send(ch, engine.value(ch), true);
    if (c & (1 << UuidK.CH_BATTERY)) {
      const b: any = {};
      b[UuidK.BAS_LEVEL] = { value: engine.value(UuidK.CH_BATTERY), notify: true };
      const u: any = {};
      u[UuidK.BAS_UUID] = b;
      try { NRF.updateServices(u); } catch (e) { /* not subscribed or busy: value is still readable */ }
    }
  }

  // ---- timers: nothing runs unless something is due (docs/power.md charges every CPU wake-up) ----
  /** Arms the one timeout for the earliest of: pairing window closing, an untrusted link's limit, idle link. */
  function arm(): void {
    if (wake >= 0) clearTimeout(wake);
    wake = -1;
    const now = getTime();
    let next = -1;
    if (pairUntil >= 0) next = pairUntil;
    if (engine.linkUp && !engine.trusted) {
      if (next < 0 || holdUntil < next) next = holdUntil;
    } else if (engine.linkUp && ticker < 0) {
      const idle = lastActive + plan.idleDisconnectSeconds;
      if (next < 0 || idle < next) next = idle;
    }
    if (next < 0) return;
    let ms = (next - now) * 1000;
    if (ms < 1) ms = 1;
    wake = setTimeout(onWake, ms);
  }
  function onWake(): void {
    wake = -1;
    const now = getTime();
    if (pairOpen !== now < pairUntil) {
      if (now >= pairUntil) pairUntil = -1;
      applySecurity();
    }
    if (engine.linkUp && !engine.trusted && now >= holdUntil) {
      NRF.disconnect(); // a stranger cannot hold the cap's one link (the owner would be locked out)
      return;
    }
    if (engine.linkUp && ticker < 0 && !engine.racp.pending() && now >= lastActive + plan.idleDisconnectSeconds) {
      NRF.disconnect(); // the link's connection events cost more than everything else (docs/power.md)
      return; // the disconnect event re-arms
    }
    arm();
  }
  // An interval while packets wait, one tick per connection interval: Espruino runs an interval at its
  // scheduled times, whatever each tick's own CPU time (a timeout counts from the moment setTimeout runs, so
  // one re-armed in each tick would add the tick's milliseconds to every period). After a busy CPU, Espruino
  // runs an overdue interval at once, and again at the next idle loop until it is back on schedule: ticks then
  // come closer than the connection interval. So a tick sends what the radio has taken since the last one, at
  // perTick per interval (what the phone is assumed to take per connection event, above), never more than
  // perTick: the packets waiting in the 7 buffers stay within perTick + 1 however the ticks fall. While a
  // transfer runs, lastActive is the last tick's time (no idle deadline is armed then); a clock set by the app
  // moves it with the clock (onWrite), and the budget stays within 0..perTick whatever happens.
  function tick(): void {
    const now = getTime();
    const was = tickEvery;
    // Notifications of dose records only on a bonded, encrypted link: Espruino leaves CCCDs open to anyone.
    // (First: the budget is earned at the link's interval as it is now, e.g. after a phone slowed it down.)
    syncSecurity();
    if (tickEvery !== was) changeInterval(ticker, tickEvery);
    budget += ((now - lastActive) * 1000 * perTick) / (tickEvery - 1); // tickEvery - 1: the interval (or less)
    if (budget > perTick) budget = perTick;
    if (budget < 0) budget = 0;
    lastActive = now;
    if (engine.racp.reporting && !engine.trusted) engine.racp.linkDown();
    engine.racp.pump();
    flush();
    if (!engine.racp.pending()) {
      clearInterval(ticker);
      ticker = -1;
      budget = perTick; // the radio queue had a tick to drain
      lastActive = now; // the idle time counts from the end of the transfer
      linkSpeed(false);
      arm();
    }
  }
  function onWrite(ch: number, evt: any): void {
    syncSecurity();
    lastActive = getTime();
    engine.timeDelta = 0;
    engine.write(ch, new Uint8Array(evt.data));
    if (engine.timeDelta !== 0) {
      const d = engine.timeDelta;
      engine.timeDelta = 0;
      if (pairUntil >= 0) pairUntil += d; // keep the window's remaining time
      lastActive += d;
      if (onTimeChanged) onTimeChanged(d);
    }
    if (ticker < 0) engine.racp.pump(); // the first packet at once, the rest paced
    flush();
    if (ticker < 0) {
      if (!engine.racp.pending()) arm();
      else if (engine.linkUp) {
        ticker = setInterval(tick, tickEvery); // (this write's handler sent the first packets at lastActive)
        if (engine.racp.reporting) linkSpeed(true); // more than one burst to send
        arm(); // no idle deadline while a transfer runs
      }
    }
  }

  NRF.on("connect", function () {
    lastActive = getTime();
    holdUntil = lastActive + LinkK.UNTRUSTED_S;
    // 3 records per notification (ATT_MTU 53, the most the MDBT42Q/Puck.js build accepts,
    // NRF_BLE_GATT_MAX_MTU_SIZE); a smaller link refuses the first one and the RACP falls back to one
    // record per notification (docs/protocol.md 3.1).
    engine.link(53);
    syncSecurity();
    // The plan's interval until a transfer asks for a shorter one; the cap drops the link when it goes idle
    // (plan.idleDisconnectSeconds).
    fastLink = true;
    linkSpeed(false);
    flush();
    arm();
  });
  // No "mtu" handler: 2v29 emits that event only when Espruino is the central (BLEP_MTU_UPDATE is queued from
  // BLE_GATTC_EVT_EXCHANGE_MTU_RSP only, targets/nrf5x/bluetooth.c), so it would cost RAM for nothing; the
  // app announces its size with RACP op 0xA2 instead (docs/protocol.md 3.1).
  // "security" ends a pairing (BLE_GAP_EVT_AUTH_STATUS; a bonded phone's re-encryption has none): a new
  // trusted bond closes the window; anything else (wrong passkey, Just Works, outside the window, timeout)
  // is a failure: the link is dropped at once, and MAX_PAIR_FAILS of them close the window. Neither
  // counts as link activity.
  NRF.on("security", function (st: any) {
    syncSecurity();
    if (st.auth_status === "SUCCESS" && engine.trusted) pairUntil = -1;
    else {
      if (++fails >= LinkK.MAX_PAIR_FAILS) pairUntil = -1;
      NRF.disconnect();
    }
    if (pairOpen !== getTime() < pairUntil) applySecurity();
    arm();
  });
  // "bond" comes with re-encryption too. The passkey prompt may take the patient a while: only while the
  // window is open does a started pairing get the longer limit.
  NRF.on("bond", function (st: string) {
    syncSecurity();
    if (st === "start" && pairOpen) holdUntil = getTime() + LinkK.PAIRING_S;
    arm();
  });
  NRF.on("disconnect", function () {
    engine.link(0);
    if (ticker >= 0) clearInterval(ticker);
    ticker = -1;
    budget = perTick;
    advertise();
    arm();
  });

  const serial4 = o.serial.substr(o.serial.length - 4);
  if (o.powerOnReset) pairUntil = getTime() + SecK.PAIR_AFTER_POWER_ON_S;
  applySecurity();
  // The closures here keep this scope, parameter included: let the options object go.
  o = undefined as unknown as BleStartOptions;

  const handle: BleHandle = {
    engine: engine,
    update: function (kind: number, v: number) {
      engine.update(kind, v);
      flush();
    },
    openPairingWindow: function () { pairUntil = getTime() + SecK.PAIR_AFTER_GESTURE_S; fails = 0; applySecurity(); arm(); },
    setPlan: function (p: BlePlan) {
      plan = p;
      try { NRF.setTxPower(p.txPowerDbm); } catch (e) { /* an invalid figure keeps the previous power */ }
      advertise();
      arm();
    },
  };
  handle.setPlan(plan);
  return handle;
}
