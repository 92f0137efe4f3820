// The pen cap's GATT service logic without the radio: characteristic values, writes, security checks,
// the RACP engine, status and advertising contents. firmware/hw/ble.ts wires it to NRF; tests and the
// client's fake transport drive it directly.
import { rd32, wr16, wr32 } from "./bytes";
import { ConfigStore, Clock, LogPort, Sender } from "./ports";
import { RacpK, Racp } from "./racp";
import { SecK, access } from "./security";
import { UuidK } from "./uuids";
import { AdvPlan, advData, advInterval } from "./adv";
import { CfgK, Config, crc16, decodeConfig, defaultConfig, validateCode, validateConfig } from "../config/config";

/** Constants as a const enum: esbuild inlines them, so none costs a variable on the cap (each exported
 *  name below is an alias kept for tests and the client). */
export const enum EngK {
  T_TIME_SET = 0x06,
  T_CONFIG_CHANGED = 0x0e,
  TIME_MIN = 946684800,
  TIME_MAX = 4102444799,
  ALERT_CAP_LEFT_OFF = 1,
  ALERT_TEMPERATURE = 2,
  ALERT_BATTERY_LOW = 4,
  ALERT_LOG_CORRUPTION = 8,
  STATUS_SIZE = 20,
  TIME_SIZE = 6,
  CONFIG_VALUE_SIZE = 30, // CfgK.CONFIG_SIZE + 2 (a literal: esbuild folds no cross-module sum)
}

export const T_TIME_SET: number = EngK.T_TIME_SET;
export const T_CONFIG_CHANGED: number = EngK.T_CONFIG_CHANGED;

/** Wall clock accepted by a Device Time write: 2000-01-01T00:00:00Z .. 2099-12-31T23:59:59Z. */
export const TIME_MIN: number = EngK.TIME_MIN;
export const TIME_MAX: number = EngK.TIME_MAX;

// Status alert flag bits (docs/protocol.md "Status").
export const ALERT_CAP_LEFT_OFF: number = EngK.ALERT_CAP_LEFT_OFF;
export const ALERT_TEMPERATURE: number = EngK.ALERT_TEMPERATURE;
export const ALERT_BATTERY_LOW: number = EngK.ALERT_BATTERY_LOW;
export const ALERT_LOG_CORRUPTION: number = EngK.ALERT_LOG_CORRUPTION;

export const STATUS_SIZE: number = EngK.STATUS_SIZE;
export const TIME_SIZE: number = EngK.TIME_SIZE;
export const CONFIG_VALUE_SIZE: number = EngK.CONFIG_VALUE_SIZE;

export interface EngineOptions {
  log: LogPort;
  sender: Sender;
  clock: Clock;
  store: ConfigStore;
  /** Called with the new config after a valid, stored, logged config write. */
  onConfig?: (c: Config) => void;
}

export class BleEngine {
  readonly racp: Racp;
  private log: LogPort;
  private out: Sender;
  private clock: Clock;
  private store: ConfigStore;
  private onConfig: ((c: Config) => void) | undefined;

  private cfg = new Uint8Array(CfgK.CONFIG_SIZE);
  private cfgResult = CfgK.WR_NONE;
  private cfgDetail = 0xff;
  private timeResult = CfgK.WR_NONE;
  // Views on one 104-byte buffer (20 + 6 + 30 + 1 + 31 + 16): each separate Uint8Array costs its own
  // ArrayBuffer in RAM on the cap.
  private statusBuf: Uint8Array;
  private timeBuf: Uint8Array;
  private cfgBuf: Uint8Array;
  private batBuf: Uint8Array;
  private advBuf: Uint8Array;
  private rec: Uint8Array;

  battery = 0xff; // percent, 0xFF unknown
  alerts = 0;
  lastDoseTime = 0;
  lastEvent = -1; // clock time of the newest record (fast advertising)
  connected = false;
  encrypted = false;
  bonded = false;
  /** Bit (1 << ch) set when a characteristic's value changed; the adapter pushes new values and clears it. */
  changed = 0;

  constructor(o: EngineOptions) {
    this.log = o.log;
    this.out = o.sender;
    this.clock = o.clock;
    this.store = o.store;
    this.onConfig = o.onConfig;
    const m = new Uint8Array(104);
    this.statusBuf = m.subarray(0, EngK.STATUS_SIZE);
    this.timeBuf = m.subarray(20, 20 + EngK.TIME_SIZE);
    this.cfgBuf = m.subarray(26, 26 + EngK.CONFIG_VALUE_SIZE);
    this.batBuf = m.subarray(56, 57);
    this.advBuf = m.subarray(57, 88);
    this.rec = m.subarray(88, 88 + RacpK.RECORD_SIZE);
    // The clock and the engine itself, not closures over them (each function costs RAM on the cap).
    this.racp = new Racp(o.log, o.sender, o.clock);
    this.racp.onAppend = this;
  }

  /** Start-up: one pass over the log (newest DELETE, time of the last dose) and the stored config. */
  init(): void {
    this.racp.deletedThrough = -1;
    let s = this.log.oldestSeq();
    if (s >= 0) {
      for (;;) {
        const got = this.log.readFrom(s, this.rec);
        if (got < 0) break;
        const t = this.rec[8];
        if (t === RacpK.T_DELETE) this.racp.deletedThrough = (this.rec[10] | (this.rec[11] << 8) | (this.rec[12] << 16) | (this.rec[13] << 24)) >>> 0;
        if (t === RacpK.T_DOSE || t === RacpK.T_UNCERTAIN) this.lastDoseTime = rd32(this.rec, 4);
        s = got + 1;
      }
    }
    let stored: Uint8Array | undefined;
    try {
      stored = this.store.load();
    } catch (e) {
      stored = undefined;
    }
    if (stored && validateConfig(stored) < 0) this.cfg.set(stored);
    else defaultConfig(this.cfg);
    this.changed = 0xff;
  }

  config(): Config {
    return decodeConfig(this.cfg);
  }

  configBytes(): Uint8Array {
    return this.cfg;
  }

  // ---- link events (from the adapter) ----
  connect(mtu: number): void {
    this.racp.linkDown();
    this.connected = true;
    this.racp.mtu = mtu;
    this.encrypted = false;
    this.bonded = false;
    this.cfgResult = CfgK.WR_NONE;
    this.cfgDetail = 0xff;
    this.timeResult = CfgK.WR_NONE;
    this.changed |= (1 << UuidK.CH_TIME) | (1 << UuidK.CH_CONFIG);
  }
  setSecurity(encrypted: boolean, bonded: boolean): void {
    this.encrypted = encrypted;
    this.bonded = bonded;
  }
  disconnect(): void {
    this.racp.linkDown();
    this.connected = false;
    this.encrypted = false;
    this.bonded = false;
  }

  // ---- inputs from the rest of the firmware ----
  /** main.ts calls this after every log append (and the engine after its own). */
  recordAdded(): void {
    const n = this.log.newestSeq();
    if (n >= 0 && this.log.readFrom(n, this.rec) === n) {
      const t = this.rec[8];
      if (t === RacpK.T_DOSE || t === RacpK.T_UNCERTAIN) this.lastDoseTime = rd32(this.rec, 4);
    }
    this.lastEvent = this.clock.now();
    this.statusChanged();
  }
  setBattery(percent: number): void {
    if (percent === this.battery) return;
    this.battery = percent;
    this.changed |= 1 << UuidK.CH_BATTERY;
    this.statusChanged();
  }
  setAlerts(flags: number): void {
    if (flags === this.alerts) return;
    this.alerts = flags & 0xff;
    this.statusChanged();
  }
  private statusChanged(): void {
    this.changed |= 1 << UuidK.CH_STATUS;
    // Best effort: the value is readable anyway, so a full radio queue just skips this notification.
    if (this.connected && !this.racp.busy()) this.out.notify(UuidK.CH_STATUS, this.value(UuidK.CH_STATUS));
  }

  /** Lets queued RACP responses and record notifications go out while the radio accepts them. */
  pump(): void {
    this.racp.pump();
  }

  // ---- GATT ----
  /** A read as the client sees it: the value, or an ATT error number. */
  read(ch: number): Uint8Array | number {
    const e = access(ch, SecK.OP_READ, this.encrypted, this.bonded);
    if (e !== SecK.ATT_OK) return e;
    return this.value(ch);
  }

  /** Current value of a readable characteristic (a reusable buffer: copy it if you keep it). */
  value(ch: number): Uint8Array {
    switch (ch) {
      case UuidK.CH_STATUS: {
        const b = this.statusBuf;
        const c = this.log.count();
        b[0] = this.battery;
        b[1] = this.alerts;
        wr16(b, 2, c > 0xffff ? 0xffff : c);
        wr32(b, 4, this.log.newestSeq() >>> 0);
        wr32(b, 8, this.lastDoseTime);
        wr32(b, 12, this.log.oldestSeq() >>> 0);
        wr32(b, 16, this.racp.deletedThrough >>> 0);
        return b;
      }
      case UuidK.CH_TIME: {
        const b = this.timeBuf;
        const t = Math.floor(this.clock.now());
        wr32(b, 0, t);
        b[4] = t >= EngK.TIME_MIN ? 1 : 0;
        b[5] = this.timeResult;
        return b;
      }
      case UuidK.CH_CONFIG: {
        const b = this.cfgBuf;
        b[0] = this.cfgResult;
        b[1] = this.cfgDetail;
        b.set(this.cfg, 2);
        return b;
      }
      case UuidK.CH_BATTERY:
        this.batBuf[0] = this.battery > 100 ? 0 : this.battery;
        return this.batBuf;
    }
    return this.batBuf.subarray(0, 0);
  }

  /**
   * A write from the client. Returns 0 (accepted at the ATT level; the outcome is a RACP indication or a
   * result byte in the characteristic's value) or an ATT error, in which case nothing changed. Never throws.
   */
  write(ch: number, d: Uint8Array): number {
    const e = access(ch, SecK.OP_WRITE, this.encrypted, this.bonded);
    if (e !== SecK.ATT_OK) return e;
    // The Time and Config writes are inlined here (one method less: each costs RAM on the cap).
    try {
      if (ch === UuidK.CH_RACP) this.racp.write(d);
      else if (ch === UuidK.CH_TIME) {
        this.changed |= 1 << UuidK.CH_TIME;
        if (d.length !== 4) {
          this.timeResult = CfgK.WR_BAD_LENGTH;
          return SecK.ATT_OK;
        }
        const t = rd32(d, 0);
        if (t < EngK.TIME_MIN || t > EngK.TIME_MAX) {
          this.timeResult = CfgK.WR_OUT_OF_RANGE;
          return SecK.ATT_OK;
        }
        const prev = Math.floor(this.clock.now()) >>> 0;
        if (t === prev) {
          this.timeResult = CfgK.WR_OK;
          return SecK.ATT_OK;
        }
        try {
          this.log.append(EngK.T_TIME_SET, 0, t, prev & 0xffff, prev >>> 16);
        } catch (x) {
          this.timeResult = CfgK.WR_LOG_FAILED;
          return SecK.ATT_OK;
        }
        this.clock.set(t);
        this.timeResult = CfgK.WR_OK;
        this.recordAdded();
      } else if (ch === UuidK.CH_CONFIG) {
        this.changed |= 1 << UuidK.CH_CONFIG;
        const bad = validateConfig(d);
        if (bad >= 0) {
          this.cfgResult = validateCode;
          this.cfgDetail = bad;
          return SecK.ATT_OK;
        }
        this.cfgDetail = 0xff;
        let same = true;
        for (let i = 0; i < CfgK.CONFIG_SIZE; i++) if (d[i] !== this.cfg[i]) same = false;
        if (same) {
          this.cfgResult = CfgK.WR_OK;
          return SecK.ATT_OK;
        }
        try {
          this.store.save(d);
        } catch (x) {
          this.cfgResult = CfgK.WR_NOT_STORED;
          return SecK.ATT_OK;
        }
        try {
          this.log.append(EngK.T_CONFIG_CHANGED, 0, Math.floor(this.clock.now()) >>> 0, crc16(d, 0, CfgK.CONFIG_SIZE), 0);
        } catch (x) {
          try {
            this.store.save(this.cfg); // put the stored copy back (cfg is still the old block): no change without its record
          } catch (y) {
            // The next boot loads the new block; the cap still runs the old one until then.
          }
          this.cfgResult = CfgK.WR_LOG_FAILED;
          return SecK.ATT_OK;
        }
        this.cfg.set(d);
        this.cfgResult = CfgK.WR_OK;
        this.recordAdded();
        if (this.onConfig) this.onConfig(decodeConfig(this.cfg));
      }
    } catch (x) {
      // Nothing above should throw; if it does, the state was not changed past the failing step.
    }
    return SecK.ATT_OK;
  }

  // ---- advertising ----
  advertising(): Uint8Array {
    return advData(this.log.newestSeq(), this.alerts, this.advBuf).subarray(0, 30);
  }
  advIntervalMs(now: number, plan: AdvPlan): number {
    return advInterval(now, this.lastEvent, plan);
  }

  /** True while packets wait for the radio: a running report or queued RACP responses. */
  pending(): boolean {
    return this.racp.pending();
  }
}
