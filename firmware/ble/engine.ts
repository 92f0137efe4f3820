// The pen cap's GATT service logic without the radio: characteristic values, writes, security checks,
// the RACP engine, status and advertising contents. firmware/hw/ble.ts wires it to NRF; tests and the
// client's fake transport drive it directly.
import { rd32, wr32 } from "./bytes";
import { ConfigStore, Clock, LogPort, Send } from "./ports";
import { RacpK, Racp } from "./racp";
import { SecK, access } from "./security";
import { UuidK } from "./uuids";
import { advData } from "./adv";
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
  UPD_RECORD = 0,
  UPD_BATTERY = 1,
  UPD_ALERTS = 2,
  /** Status alert bit 5: the ring is within a page of overwriting records no app has confirmed (racp.ts syncSoon). */
  ALERT_SYNC_SOON = 32,
  /** Config write in two halves (docs/protocol.md 3.5): 15 bytes = tag + 14 bytes of the 28-byte block. */
  CFG_PART1 = 0xc1,
  CFG_PART2 = 0xc2,
  CFG_PART_SIZE = 15,
  /** Write result: the first half is held, the second completes the block. */
  WR_PART = 0x06,
  /** Write result: refused without the cap in hand (the pairing window: docs/protocol.md 3.6). */
  WR_NEEDS_CAP = 0x07,
  /** Write results 0x81 / 0x82: the RACP's RC_NOT_SYNCED / RC_RATE_LIMITED (the same check, racp.ts admit()). */
  WR_NOT_SYNCED = 0x81,
  WR_RATE_LIMITED = 0x82,
  /** A set clock moves by at most this much (s) without the cap in hand. */
  TIME_JUMP_S = 900,
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

/** BleEngine.update() (and BleHandle.update()) kinds: a record was appended (v unused), the battery percent
 *  (0xFF unknown), the Status alert flags. */
export const UPD_RECORD: number = EngK.UPD_RECORD;
export const UPD_BATTERY: number = EngK.UPD_BATTERY;
export const UPD_ALERTS: number = EngK.UPD_ALERTS;

export interface EngineOptions {
  log: LogPort;
  send: Send;
  clock: Clock;
  store: ConfigStore;
  /** Called with the new config after a valid, stored, logged config write. */
  onConfig?: (c: Config) => void;
}

// RAM on the cap: every method costs variables (~4 and 1 per parameter), so the engine has few. Link state
// and security are plain fields the adapter sets; reads that only tests and the client's fake transport
// make are free functions below (left out of the bundle).
export class BleEngine {
  readonly racp: Racp;
  // log, out and clock are the Racp's host too (racp.ts RacpHost).
  readonly log: LogPort;
  readonly out: Send;
  readonly clock: Clock;
  private store: ConfigStore;
  private onConfig: ((c: Config) => void) | undefined;

  /** The 28-byte config block in force (docs/config.md); decodeConfig() reads it. Do not write it. */
  readonly cfg = new Uint8Array(CfgK.CONFIG_SIZE);
  // Views on one 122-byte buffer (20 + 6 + 30 + 1 + 21 + 16 + 28): each separate Uint8Array costs its own
  // ArrayBuffer in RAM on the cap.
  private statusBuf: Uint8Array;
  private timeBuf: Uint8Array; // [5] the last time write's result
  private cfgBuf: Uint8Array; // [0] the last config write's result, [1] its bad offset (0xFF none), then cfg
  private batBuf: Uint8Array;
  private advBuf: Uint8Array;
  private rec: Uint8Array;
  /** A Config block written in two halves (one ATT packet each at MTU 23); [0] is 0 until a first half. */
  private part: Uint8Array;
  private partHeld = false;

  battery = 0xff; // percent, 0xFF unknown
  alerts = 0;
  lastDoseTime = 0;
  /** A central is connected (set by link()). */
  linkUp = false;
  /** The link is encrypted with a bonded key (the adapter sets it from NRF.getSecurityStatus()): the only
   *  state in which records, RACP, Time and Config are served (docs/protocol.md "Security"). link() clears it. */
  trusted = false;
  /** Bit (1 << ch) set when a characteristic's value changed; the adapter pushes new values and clears it. */
  changed = 0;
  /** The cap is in the patient's hand: the pairing window is open (the adapter sets it). A large clock jump,
   *  switching an alert off and a delete need it (docs/protocol.md 3.2, 3.3, 3.5). */
  capConfirmed = false;
  /** new - old clock (s) of the last Device Time write that set the clock; the adapter reads and clears it. */
  timeDelta = 0;

  /** Start-up included: one pass over the log (newest DELETE, time of the last dose) and the stored config. */
  constructor(o: EngineOptions) {
    this.log = o.log;
    this.out = o.send;
    this.clock = o.clock;
    this.store = o.store;
    this.onConfig = o.onConfig;
    const m = new Uint8Array(122);
    this.statusBuf = m.subarray(0, EngK.STATUS_SIZE);
    this.timeBuf = m.subarray(20, 20 + EngK.TIME_SIZE);
    this.cfgBuf = m.subarray(26, 26 + EngK.CONFIG_VALUE_SIZE);
    this.batBuf = m.subarray(56, 57);
    this.advBuf = m.subarray(57, 78);
    this.rec = m.subarray(78, 78 + RacpK.RECORD_SIZE);
    this.part = m.subarray(94, 122);
    // The write results live in their value bytes, not in fields of their own (RAM on the cap).
    this.timeBuf[5] = CfgK.WR_NONE;
    this.cfgBuf[0] = CfgK.WR_NONE;
    this.cfgBuf[1] = 0xff;
    // The engine itself as the Racp's host, not closures (each function costs RAM on the cap).
    this.racp = new Racp(this);
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

  /** The link came up (mtu: the ATT MTU to assume, 23 until the app's RACP 0xA2) or went down (mtu 0). One
   *  method for both (RAM on the cap). Security starts untrusted either way. */
  link(mtu: number): void {
    this.racp.linkDown();
    this.linkUp = mtu > 0;
    this.trusted = false;
    if (mtu > 0) {
      this.racp.mtu = mtu;
      this.cfgBuf[0] = CfgK.WR_NONE;
      this.cfgBuf[1] = 0xff;
      this.timeBuf[5] = CfgK.WR_NONE;
      this.partHeld = false;
      this.changed |= (1 << UuidK.CH_TIME) | (1 << UuidK.CH_CONFIG);
    }
  }

  /**
   * Inputs from the rest of the firmware, one method for the three (RAM on the cap): UPD_RECORD after every
   * log append (main.ts, and the engine after its own; v unused), UPD_BATTERY with the percent (0xFF
   * unknown), UPD_ALERTS with the Status alert flags.
   */
  update(kind: number, v: number): void {
    if (kind === EngK.UPD_RECORD) {
      const n = this.log.newestSeq();
      if (n >= 0 && this.log.readFrom(n, this.rec) === n) {
        const t = this.rec[8];
        if (t === RacpK.T_DOSE || t === RacpK.T_UNCERTAIN) this.lastDoseTime = rd32(this.rec, 4);
      }
    } else if (kind === EngK.UPD_BATTERY) {
      if (v === this.battery) return;
      this.battery = v;
      this.changed |= 1 << UuidK.CH_BATTERY;
    } else {
      if (v === this.alerts) return;
      this.alerts = v & 0xff;
    }
    this.changed |= 1 << UuidK.CH_STATUS;
    // Best effort: the value is readable anyway, so a full radio queue just skips this notification. Only to a
    // trusted link: Status tells when the last dose was, and Espruino leaves its CCCD open to anyone.
    if (this.linkUp && this.trusted && !this.racp.reporting) this.out(UuidK.CH_STATUS, this.value(UuidK.CH_STATUS));
  }

  // ---- GATT ----
  /** Current value of a readable characteristic (a reusable buffer: copy it if you keep it). */
  value(ch: number): Uint8Array {
    switch (ch) {
      case UuidK.CH_STATUS: {
        const b = this.statusBuf;
        const c = this.log.count();
        b[0] = this.battery;
        b[1] = this.alerts | (this.racp.syncSoon() ? EngK.ALERT_SYNC_SOON : 0);
        b[2] = c > 0xffff ? 0xff : c & 0xff; // u16 LE, capped (no wr16: a function less in RAM on the cap)
        b[3] = c > 0xffff ? 0xff : c >> 8;
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
        b[4] = t >= EngK.TIME_MIN ? 1 : 0; // b[5]: the write result, kept there
        return b;
      }
      case UuidK.CH_CONFIG: {
        const b = this.cfgBuf;
        b.set(this.cfg, 2); // b[0], b[1]: the write result and bad offset, kept there
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
    // security.ts access(ch, OP_WRITE, ...) written out (it is a function less in the bundle; security.test.ts
    // checks that both agree): only RACP, Time and Config are writable, and only on a trusted link.
    if (ch !== UuidK.CH_RACP && ch !== UuidK.CH_TIME && ch !== UuidK.CH_CONFIG) return SecK.ATT_WRITE_NOT_PERMITTED;
    if (!this.trusted) return SecK.ATT_INSUFFICIENT_AUTHENTICATION;
    // The Time and Config writes are inlined here (one method less: each costs RAM on the cap).
    try {
      if (ch === UuidK.CH_RACP) this.racp.write(d);
      else if (ch === UuidK.CH_TIME) {
        this.changed |= 1 << UuidK.CH_TIME;
        if (d.length !== 4) {
          this.timeBuf[5] = CfgK.WR_BAD_LENGTH;
          return SecK.ATT_OK;
        }
        const t = rd32(d, 0);
        if (t < EngK.TIME_MIN || t > EngK.TIME_MAX) {
          this.timeBuf[5] = CfgK.WR_OUT_OF_RANGE;
          return SecK.ATT_OK;
        }
        const prev = Math.floor(this.clock.now()) >>> 0;
        if (prev >= EngK.TIME_MIN && !this.capConfirmed && (t > prev + EngK.TIME_JUMP_S || t < prev - EngK.TIME_JUMP_S)) {
          this.timeBuf[5] = EngK.WR_NEEDS_CAP;
          return SecK.ATT_OK;
        }
        if (t === prev) {
          this.timeBuf[5] = CfgK.WR_OK;
          return SecK.ATT_OK;
        }
        const a = this.racp.admit(); // 0, or the refusal: result 0x81 / 0x82 as the RACP's codes
        if (a !== 0) {
          this.timeBuf[5] = a;
          return SecK.ATT_OK;
        }
        try {
          this.log.append(EngK.T_TIME_SET, 0, t, prev & 0xffff, prev >>> 16);
        } catch (x) {
          this.timeBuf[5] = CfgK.WR_LOG_FAILED;
          return SecK.ATT_OK;
        }
        this.timeDelta = t - this.clock.now(); // read just before the clock moves, as the adapter needs it
        this.racp.tokAt += this.timeDelta; // a clock step refills no app-record tokens
        this.clock.set(t);
        this.timeBuf[5] = CfgK.WR_OK;
        this.update(EngK.UPD_RECORD, 0);
      } else if (ch === UuidK.CH_CONFIG) {
        this.changed |= 1 << UuidK.CH_CONFIG;
        // The 28-byte block needs ATT_MTU 31; below it (MTU 23: iOS before the exchange, Android without
        // requestMtu) Espruino refuses a long write, so the block may come in two 15-byte halves.
        if (d.length === EngK.CFG_PART_SIZE && (d[0] === EngK.CFG_PART1 || d[0] === EngK.CFG_PART2)) {
          const first = d[0] === EngK.CFG_PART1;
          if (!first && !this.partHeld) {
            this.cfgBuf[0] = CfgK.WR_BAD_LENGTH;
            this.cfgBuf[1] = 0xff;
            return SecK.ATT_OK;
          }
          this.part.set(d.subarray(1), first ? 0 : 14);
          this.partHeld = first;
          if (first) {
            this.cfgBuf[0] = EngK.WR_PART;
            this.cfgBuf[1] = 0xff;
            return SecK.ATT_OK;
          }
          d = this.part;
        }
        const bad = validateConfig(d);
        if (bad >= 0) {
          this.cfgBuf[0] = validateCode;
          this.cfgBuf[1] = bad;
          return SecK.ATT_OK;
        }
        this.cfgBuf[1] = 0xff;
        if (this.cfg[CfgK.CF_ALERTS] & ~d[CfgK.CF_ALERTS] && !this.capConfirmed) {
          this.cfgBuf[0] = EngK.WR_NEEDS_CAP; // an alert switched off: only with the cap in hand
          this.cfgBuf[1] = CfgK.CF_ALERTS;
          return SecK.ATT_OK;
        }
        let same = true;
        for (let i = 0; i < CfgK.CONFIG_SIZE; i++) if (d[i] !== this.cfg[i]) same = false;
        if (same) {
          this.cfgBuf[0] = CfgK.WR_OK;
          return SecK.ATT_OK;
        }
        const g = this.racp.admit();
        if (g !== 0) {
          this.cfgBuf[0] = g;
          return SecK.ATT_OK;
        }
        try {
          this.store.save(d);
        } catch (x) {
          this.cfgBuf[0] = CfgK.WR_NOT_STORED;
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
          this.cfgBuf[0] = CfgK.WR_LOG_FAILED;
          return SecK.ATT_OK;
        }
        this.cfg.set(d);
        this.cfgBuf[0] = CfgK.WR_OK;
        this.update(EngK.UPD_RECORD, 0);
        if (this.onConfig) this.onConfig(decodeConfig(this.cfg));
      }
    } catch (x) {
      // Nothing above should throw; if it does, the state was not changed past the failing step.
    }
    return SecK.ATT_OK;
  }

  // ---- advertising ----
  /** The pairing window's advertising data (adv.ts advData); its first 3 bytes are the flags alone. */
  advertising(): Uint8Array {
    return advData(this.advBuf);
  }
}

/** A read as the client sees it: the value, or an ATT error number (security.ts rules). Tests and the
 *  client's fake transport use it; on the cap the SoftDevice serves reads (not in the bundle). */
export function readChar(engine: BleEngine, ch: number): Uint8Array | number {
  const e = access(ch, SecK.OP_READ, engine.trusted, engine.trusted);
  if (e !== SecK.ATT_OK) return e;
  return engine.value(ch);
}
