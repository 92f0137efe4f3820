// The simulated `NRF` global of Espruino 2v29 on an nRF52832 (MDBT42Q / Puck.js) as a peripheral, its GATT
// server, and the link to a simulated central (the phone, see central.ts).
// Behaviour follows https://www.espruino.com/Reference#NRF and the interpreter's sources
// (libs/bluetooth/jswrap_bluetooth.c, bluetooth_utils.c, targets/nrf5x/bluetooth.c; SoftDevice S132 v3
// headers for the nRF52832 builds). No code is taken from them. See docs/sim-ble.md.
import { buildAdvertising, buildDefaultScanResponse, NrfError, parseAdStructures, type ScanRecord } from "./adv.js";
import { ATT_ERR } from "./att.js";
import { toBytes } from "./bytes.js";
import { parseUuid, parseUuidKey, uuidBytes, UuidError } from "./uuid.js";
import { SimCentral, type CentralSide } from "./central.js";

export interface SimClock {
  now(): number; // seconds
  schedule(atSeconds: number, cb: () => void): number;
  cancel(id: number): void;
}

/** The BLE members of the Activity union in docs/architecture.md. */
export type BleActivity =
  | { kind: "advertising"; intervalMs: number; txPowerDbm: number }
  | { kind: "connection"; intervalMs: number }
  | { kind: "radioPackets"; count: number };

export interface CreateNrfOptions {
  clock: SimClock;
  activity: (t: number, a: BleActivity) => void;
  /** Volts, returned by NRF.getBattery(). */
  battery: () => number;
  /** Advertised name; default BLUETOOTH_NAME_PREFIX + " " + last two address bytes, e.g. "MDBT42Q 4e2f". */
  deviceName?: string;
  /** BLUETOOTH_NAME_PREFIX of the board (boards/MDBT42Q.py: "MDBT42Q"; Puck.js: "Puck.js"). */
  namePrefix?: string;
  /** Device address, "aa:bb:cc:dd:ee:ff". Default "e7:1a:0c:5b:4e:2f" (random static). */
  address?: string;
  /** Largest ATT_MTU the firmware accepts: 53 on MDBT42Q/PUCKJS (NRF_BLE_GATT_MAX_MTU_SIZE). */
  maxMtu?: number;
  /** Notifications the SoftDevice can hold queued (application TX buffers). Default 7 (assumption, see docs). */
  txBuffers?: number;
  /** Link supervision timeout: CONN_SUP_TIMEOUT = 4000 ms in targets/nrf5x/bluetooth.c. */
  supervisionTimeoutMs?: number;
  /** Text a central wrote into the Nordic UART RX characteristic: on a real device it reaches the JS console. */
  onConsoleInput?: (text: string) => void;
  /** Errors thrown by firmware callbacks run from BLE events (the core simulator records them). Default: rethrow. */
  onError?: (err: unknown) => void;
  /**
   * Wraps a queued BLE event for the firmware when it is queued (the core simulator runs it as a firmware
   * callback of the boot that queued it: a power cut or reboot inside the handler takes effect, a halted boot
   * runs nothing). Default: the event runs as it is.
   */
  firmwareEvent?: (fn: () => void) => () => void;
  /** Makes the ArrayBuffer passed as `evt.data` (e.g. in the firmware's vm realm). */
  makeArrayBuffer?: (bytes: Uint8Array) => ArrayBuffer;
  /** Makes thrown errors (e.g. the vm realm's Error). */
  makeError?: (message: string) => Error;
}

/** Security requirement of one attribute access, from Espruino's set_security_mode(). */
type Perm = "open" | "enc" | "enc-mitm" | "lesc";

export interface CharProps {
  broadcast: boolean;
  read: boolean;
  write: boolean;
  writeWithoutResponse: boolean;
  notify: boolean;
  indicate: boolean;
}

interface Char {
  serviceUuid: string;
  uuid: string;
  declHandle: number;
  valueHandle: number;
  descHandle?: number;
  cccdHandle?: number;
  props: CharProps;
  value: Uint8Array;
  maxLen: number;
  description?: string;
  readPerm: Perm;
  writePerm: Perm;
  cccdPerm: Perm;
  onWrite?: (evt: unknown) => void;
  onWriteDesc?: (evt: unknown) => void;
  role?: "nusRx" | "nusTx";
}

interface Service {
  uuid: string;
  handle: number;
  endHandle: number;
  chars: Char[];
  builtin: boolean;
}

interface Bond {
  mitm: boolean;
  lesc: boolean;
}

/** What the phone brings to a pairing. */
export interface PairOptions {
  /** The passkey the user types on the phone (passkey entry); absent: the phone has no keyboard. */
  passkey?: string;
  /** The phone's IO capabilities: "keyboard" (KeyboardDisplay, a phone's usual) or "none" (NoInputNoOutput,
   *  which forces Just Works). Default: "keyboard" when a passkey is given, else "none". */
  io?: "keyboard" | "none";
  /** The phone supports LE Secure Connections (default true: iOS 10+, Android 6+). */
  lesc?: boolean;
  /** Start pairing and never answer (the prompt left open): the SMP timeout ends it after 30 s. */
  stall?: boolean;
}

interface TxItem {
  char: Char;
  data: Uint8Array;
  indicate: boolean;
}

interface Request {
  /** Runs at the connection event that carries the request; returns the server's answer. */
  run: () => unknown;
  /** Gets the answer one connection event later (ATT response). Null for commands (no response). */
  done: ((answer: unknown) => void) | null;
  fail: (why: any) => void; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** One connection between the firmware (peripheral) and a central. */
export interface Link {
  central: CentralSide;
  addr: string;
  mtu: number;
  intervalMs: number;
  perEvent: number;
  /** The phone's smallest accepted connection interval (iOS: 15 ms, many Androids: 7.5 ms). */
  phoneMinMs: number;
  /** The phone answers an interval request with its minimum (else it keeps its interval when inside). */
  grantsMin: boolean;
  /** A parameter update on its way (its timer), null when none. */
  updateTimer: number | null;
  encrypted: boolean;
  mitm: boolean;
  lesc: boolean;
  bonded: boolean;
  cccd: Map<number, number>; // value handle -> CCCD bits (1 notify, 2 indicate)
  tx: TxItem[];
  queuedNotifications: number;
  indicationInFlight: boolean;
  indicationConfirmAt: number; // event number at which the central's confirmation arrives
  requests: Request[]; // waiting to be sent
  outstanding: Request | null; // sent, response due
  responses: { at: number; fn: () => void }[];
  anchor: number; // seconds: a connection event happened here
  k: number; // events since anchor
  events: number; // events on this link so far
  timer: number | null;
  lost: boolean; // radio link gone, supervision timer running
  // Espruino's Dynamic Interval Adjustment (targets/nrf5x/bluetooth.c, DYNAMIC_INTERVAL_ADJUSTMENT)
  high: boolean; // bleHighInterval
  idleMs: number; // bleIdleCounter
  dynTimer: number | null;
}

const DYN = { LOW_MS: 200, HIGH_MS: 7.5, IDLE_MS: 30000, HIGH_TIME_MS: 500, COUNTDOWN_MS: 10000, FIRST_UPDATE_S: 0.1 };

/** Nordic UART Service, as Espruino adds it unless setServices(..., {uart:false}). */
export const NUS = {
  service: "6e400001-b5a3-f393-e0a9-e50e24dcca9e",
  rx: "6e400002-b5a3-f393-e0a9-e50e24dcca9e", // central writes: console input
  tx: "6e400003-b5a3-f393-e0a9-e50e24dcca9e", // notify: console output
};

/** HCI disconnect reasons (Core Spec v5.3 Vol 1 Part F, error codes). */
export const HCI = { CONNECTION_TIMEOUT: 0x08, REMOTE_USER_TERMINATED: 0x13, LOCAL_HOST_TERMINATED: 0x16 };

/** nRF SoftDevice error codes (nrf_error.h / ble_err.h) as Espruino prints them ("ERR 0x11 (BUSY)"). */
const NRF_ERR = { INVALID_PARAM: [0x07, "INVALID_PARAM"], DATA_SIZE: [0x0c, "DATA_SIZE"], BUSY: [0x11, "BUSY"] } as const;

const VALID_TX_POWER = [-40, -20, -16, -12, -8, -4, 0, 3, 4]; // nRF52832 / S132 sd_ble_gap_tx_power_set

export interface BleStats {
  connections: number;
  connectionEvents: number;
  /** Connection events in which the peripheral sent notifications/indications. */
  busyEvents: number;
  notificationsSent: number;
  indicationsSent: number;
  payloadBytesSent: number;
  /** updateServices notifications dropped because the TX queue was full (silently, as on Espruino). */
  notificationsDropped: number;
  /** Notifications/indications queued but never sent because the link went away. */
  notificationsLost: number;
  consoleBytesReceived: number;
}

export interface SimRadio {
  /** What an over-long notification does: "refuse" (NRF_ERROR_DATA_SIZE, default) or "truncate" to ATT_MTU-3. */
  overLongNotification: "refuse" | "truncate";
  /** A phone. Several may exist; one can be connected at a time (Espruino has one peripheral link). */
  central(opts?: { address?: string }): SimCentral;
  /** Reboot of the nRF: drops the link (no disconnect event: the firmware is gone), forgets services, advertising,
   *  security settings and listeners; keeps bonds, which the Peer Manager stores in the nRF's own flash pages. */
  reset(): void;
  stats(): BleStats;
  /** What a scanning phone sees now, or null when not advertising. */
  scan(): ScanRecord | null;
  /** The GATT table as a central would discover it (no link needed: for assertions). */
  gattTable(): DiscoveredService[];
  isConnected(): boolean;
  /** Whether the Nordic UART (the JS console) is in the GATT table, and whether it needs an encrypted link. */
  uart(): { present: boolean; encrypted: boolean };
  /** All text centrals wrote to the console so far. */
  consoleInput(): string;
  bonds(): string[];
  whitelist(): string[];
  /** Forget every bond (as a hard NRF.eraseBonds / chip erase would). */
  eraseBonds(): void;
  /** The passkey the firmware last "displayed" (static one, or the one given in the 'passkey' event). */
  displayedPasskey(): string | null;
  /** Pairing refusals (pair:false, MITM impossible) Espruino issued after the SDK12 Peer Manager had already
   *  accepted the pairing: each failed with NRF_ERROR_INVALID_STATE and refused nothing. */
  lateRejects(): number;
  advertisingIntervalMs(): number;
  txPowerDbm(): number;
  connectionIntervalMs(): number | null;
}

export interface DiscoveredCharacteristic {
  uuid: string;
  handle: number;
  properties: CharProps;
  description?: string;
  cccdHandle?: number;
}
export interface DiscoveredService {
  uuid: string;
  handle: number;
  endHandle: number;
  characteristics: DiscoveredCharacteristic[];
}

/** The object the firmware sees as `NRF`. Methods named as in the Espruino reference. */
export type NrfGlobal = Record<string, (...args: any[]) => any>;

export function createNrf(opts: CreateNrfOptions): { nrf: NrfGlobal; radio: SimRadio } {
  const r = new Radio(opts);
  return { nrf: r.nrf, radio: r.radioApi };
}

function permOf(cfg: unknown): Perm {
  // set_security_mode(): signed -> signed (modelled as enc/enc-mitm, see docs), lesc -> LESC with MITM,
  // encrypted(+mitm) -> encryption; anything else (including mitm without encrypted) stays open.
  if (!cfg || typeof cfg !== "object") return "open";
  const c = cfg as Record<string, unknown>;
  if (c.signed) return c.mitm ? "enc-mitm" : "enc";
  if (c.lesc) return "lesc";
  if (c.encrypted) return c.mitm ? "enc-mitm" : "enc";
  return "open";
}

export class Radio {
  readonly nrf: NrfGlobal;
  readonly radioApi: SimRadio;
  private readonly o: CreateNrfOptions;
  readonly clock: SimClock;
  readonly address: string;
  readonly maxMtu: number;
  private readonly txBuffers: number;
  /** What an over-long notification does (hvx): "refuse" (NRF_ERROR_DATA_SIZE) or "truncate" to ATT_MTU-3. */
  overLongNotification: "refuse" | "truncate" = "refuse";
  private readonly supervisionS: number;
  private listeners = new Map<string, Function[]>();
  // GATT
  private services: Service[] = [];
  private byHandle = new Map<number, { char: Char; kind: "decl" | "value" | "cccd" | "desc" }>();
  private userData: unknown = undefined;
  private userTable: Service[] = [];
  private servicesWereSet = false;
  needsRestart = false;
  private uartWanted = true;
  private uartInited = true;
  private advertiseUuids: string[] = [];
  // security
  private security: Record<string, unknown> = {};
  private encryptUart = false;
  private mitmProtect = false;
  private bondStore = new Map<string, Bond>();
  private whitelistOnBond = false;
  private whitelistList: string[] = [];
  private passkeyShown: string | null = null;
  private passkeySeed = 0x2545f491;
  /** Refusals of Espruino's ble_evt_handler that came after the Peer Manager had answered (SDK12). */
  lateRejects = 0;
  // advertising
  deviceName: string;
  private advData: Uint8Array | null = null; // null: Espruino's default packet
  private advOptions: Record<string, unknown> | undefined = undefined;
  private scanResponse: Uint8Array | null = null;
  advIntervalMs = 375; // BLUETOOTH_ADVERTISING_INTERVAL
  connectable = true;
  private whenConnected = false;
  private sleeping = false;
  private txPower = 0;
  private reportedAdv: { intervalMs: number; txPowerDbm: number } = { intervalMs: 0, txPowerDbm: 0 };
  private advOn = false;
  private preferredInterval: { min: number; max: number } | null = null;
  // link
  link: Link | null = null;
  private st: BleStats = {
    connections: 0,
    connectionEvents: 0,
    busyEvents: 0,
    notificationsSent: 0,
    indicationsSent: 0,
    payloadBytesSent: 0,
    notificationsDropped: 0,
    notificationsLost: 0,
    consoleBytesReceived: 0,
  };
  private console = "";
  private centralCount = 0;

  constructor(o: CreateNrfOptions) {
    this.o = o;
    this.clock = o.clock;
    this.address = (o.address ?? "e7:1a:0c:5b:4e:2f").toLowerCase();
    this.maxMtu = o.maxMtu ?? 53;
    this.txBuffers = o.txBuffers ?? 7;
    this.supervisionS = (o.supervisionTimeoutMs ?? 4000) / 1000;
    this.deviceName = o.deviceName ?? this.defaultName();
    this.nrf = this.makeNrf();
    this.radioApi = this.makeRadioApi();
    this.rebuildGatt();
    this.updateAdvertisingActivity();
  }

  private defaultName(): string {
    // jsbleGetDeviceName: BLUETOOTH_NAME_PREFIX + " " + the last two address bytes in hex
    const p = this.address.split(":");
    return `${this.o.namePrefix ?? "MDBT42Q"} ${p[4]}${p[5]}`;
  }

  // ---------------------------------------------------------------- errors and events

  err(message: string): Error {
    return this.o.makeError ? this.o.makeError(message) : new Error(message);
  }
  /** jsble_check_error: an exception, and the same text as an NRF 'error' event. Espruino appends the C source
   *  line (" (:1234)") to the exception message; the simulator does not. */
  private nrfErr(e: readonly [number, string]): Error {
    const text = `ERR 0x${e[0].toString(16)} (${e[1]})`;
    this.emit("error", text);
    return this.err(text);
  }
  private wrap(e: unknown): Error {
    if (e instanceof NrfError || e instanceof UuidError) return this.err(e.message);
    return e as Error;
  }

  /** Espruino queues BLE events and runs them from its idle loop: never inside the caller. */
  private later(fn: () => void): void {
    const run = this.o.firmwareEvent ? this.o.firmwareEvent(fn) : fn;
    this.clock.schedule(this.clock.now(), () => {
      try {
        run();
      } catch (e) {
        if (this.o.onError) this.o.onError(e);
        else throw e;
      }
    });
  }
  private emit(event: string, ...args: unknown[]): void {
    this.later(() => {
      for (const l of (this.listeners.get(event) ?? []).slice()) l.apply(this.nrf, args);
    });
  }
  private ab(bytes: Uint8Array): ArrayBuffer {
    if (this.o.makeArrayBuffer) return this.o.makeArrayBuffer(bytes);
    return bytes.slice().buffer;
  }
  private report(a: BleActivity): void {
    this.o.activity(this.clock.now(), a);
  }

  // ---------------------------------------------------------------- GATT table

  /** Parses the firmware's setServices object into services (no handles yet). Throws NrfError. */
  private parseServices(data: unknown): Service[] {
    const out: Service[] = [];
    if (data === undefined || data === null) return out;
    for (const skey of Object.keys(data as object)) {
      let suuid: string;
      try {
        suuid = parseUuidKey(skey);
      } catch (e) {
        throw new NrfError(`Invalid Service UUID: ${(e as Error).message}`);
      }
      const svc: Service = { uuid: suuid, handle: 0, endHandle: 0, chars: [], builtin: false };
      const sv = (data as Record<string, unknown>)[skey] as Record<string, unknown>;
      for (const ckey of Object.keys(sv ?? {})) {
        let cuuid: string;
        try {
          cuuid = parseUuidKey(ckey);
        } catch (e) {
          throw new NrfError(`Invalid Characteristic UUID: ${(e as Error).message}`);
        }
        const c = (sv[ckey] ?? {}) as Record<string, unknown>;
        const value = toBytes(c.value) ?? new Uint8Array(0);
        // max_len = maxLen, 0 -> 1, raised to the initial value's length (jsble_set_services)
        let maxLen = Number(c.maxLen ?? 0) & 0xffff;
        if (maxLen === 0) maxLen = 1;
        if (value.length > maxLen) maxLen = value.length;
        const sec = (c.security ?? {}) as Record<string, unknown>;
        let description: string | undefined;
        if (typeof c.description === "string") description = c.description.slice(0, 31); // char description[32]
        svc.chars.push({
          serviceUuid: suuid,
          uuid: cuuid,
          declHandle: 0,
          valueHandle: 0,
          props: {
            broadcast: !!c.broadcast,
            read: !!c.readable,
            write: !!c.writable,
            writeWithoutResponse: !!c.writable,
            notify: !!c.notify,
            indicate: !!c.indicate,
          },
          value,
          maxLen,
          description,
          readPerm: permOf(sec.read),
          writePerm: permOf(sec.write),
          cccdPerm: "open", // p_cccd_md = NULL: the SoftDevice's default CCCD is open to any link
          onWrite: typeof c.onWrite === "function" ? (c.onWrite as (e: unknown) => void) : undefined,
          onWriteDesc: typeof c.onWriteDesc === "function" ? (c.onWriteDesc as (e: unknown) => void) : undefined,
        });
      }
      out.push(svc);
    }
    return out;
  }

  private builtinServices(): Service[] {
    const mk = (uuid: string, role: Char["role"] | undefined, props: Partial<CharProps>, value: Uint8Array, maxLen: number): Char => ({
      serviceUuid: "",
      uuid,
      declHandle: 0,
      valueHandle: 0,
      props: { broadcast: false, read: false, write: false, writeWithoutResponse: false, notify: false, indicate: false, ...props },
      value,
      maxLen,
      readPerm: "open",
      writePerm: "open",
      cccdPerm: "open",
      role,
    });
    const name = toBytes(this.deviceName)!;
    const gap: Service = {
      uuid: "1800",
      handle: 0,
      endHandle: 0,
      builtin: true,
      chars: [mk("2a00", undefined, { read: true }, name, 31), mk("2a01", undefined, { read: true }, new Uint8Array(2), 2)],
    };
    const gatt: Service = { uuid: "1801", handle: 0, endHandle: 0, builtin: true, chars: [] };
    const list = [gap, gatt];
    if (this.uartInited) {
      // Espruino: NUS is open unless setSecurity gives passkey/mitm/oob/encryptUart (then encrypted, +MITM
      // when mitm protection is on) - jsble_update_security / BLE_ENCRYPT_UART.
      const p: Perm = this.encryptUart ? (this.mitmProtect ? "enc-mitm" : "enc") : "open";
      const rx = mk(NUS.rx, "nusRx", { write: true, writeWithoutResponse: true }, new Uint8Array(0), this.maxMtu - 3);
      const tx = mk(NUS.tx, "nusTx", { notify: true }, new Uint8Array(0), this.maxMtu - 3);
      rx.writePerm = p;
      tx.cccdPerm = p;
      list.push({ uuid: NUS.service, handle: 0, endHandle: 0, builtin: true, chars: [rx, tx] });
    }
    return list;
  }

  /** Assigns handles: service declaration, then per characteristic: declaration, value, user description, CCCD. */
  private rebuildGatt(): void {
    this.services = [...this.builtinServices(), ...this.userTable];
    this.byHandle.clear();
    let h = 1;
    for (const s of this.services) {
      s.handle = h++;
      for (const c of s.chars) {
        c.serviceUuid = s.uuid;
        c.declHandle = h++;
        c.valueHandle = h++;
        this.byHandle.set(c.declHandle, { char: c, kind: "decl" });
        this.byHandle.set(c.valueHandle, { char: c, kind: "value" });
        if (c.description !== undefined) {
          c.descHandle = h++;
          this.byHandle.set(c.descHandle, { char: c, kind: "desc" });
        }
        if (c.props.notify || c.props.indicate) {
          c.cccdHandle = h++;
          this.byHandle.set(c.cccdHandle, { char: c, kind: "cccd" });
        }
      }
      s.endHandle = h - 1;
    }
  }

  table(): DiscoveredService[] {
    return this.services.map((s) => ({
      uuid: s.uuid,
      handle: s.handle,
      endHandle: s.endHandle,
      characteristics: s.chars.map((c) => ({
        uuid: c.uuid,
        handle: c.valueHandle,
        properties: { ...c.props },
        ...(c.description !== undefined ? { description: c.description } : {}),
        ...(c.cccdHandle !== undefined ? { cccdHandle: c.cccdHandle } : {}),
      })),
    }));
  }

  findChar(serviceUuid: string, charUuid: string): Char | undefined {
    const su = parseUuid(serviceUuid);
    const cu = parseUuid(charUuid);
    return this.services.find((s) => s.uuid === su)?.chars.find((c) => c.uuid === cu);
  }

  /** A softdevice restart (jsble_restart_softdevice): re-creates services and advertising from stored settings. */
  private restartNow(): void {
    this.needsRestart = false;
    this.uartInited = this.uartWanted;
    this.rebuildGatt();
    this.servicesWereSet = this.userTable.length > 0;
    this.updateAdvertisingActivity();
  }
  private restart(): void {
    if (this.link) this.needsRestart = true; // "BLE Connected, queueing BLE restart for later"
    else this.restartNow();
  }

  // ---------------------------------------------------------------- security checks

  /** ATT error for an access needing `perm` on this link, or 0. Core Spec v5.3 Vol 3 Part C 10.3.1:
   *  no encryption and no LTK -> Insufficient Authentication; LTK known but link not encrypted ->
   *  Insufficient Encryption; encrypted without the required MITM/LESC -> Insufficient Authentication. */
  private permError(link: Link, perm: Perm): number {
    if (perm === "open") return 0;
    if (!link.encrypted) return this.bondStore.has(link.addr) ? ATT_ERR.INSUFFICIENT_ENCRYPTION : ATT_ERR.INSUFFICIENT_AUTHENTICATION;
    if (perm === "enc-mitm" && !link.mitm) return ATT_ERR.INSUFFICIENT_AUTHENTICATION;
    if (perm === "lesc" && !(link.mitm && link.lesc)) return ATT_ERR.INSUFFICIENT_AUTHENTICATION;
    return 0;
  }

  // ---------------------------------------------------------------- ATT server (runs at connection events)

  attRead(link: Link, handle: number, offset: number): Uint8Array | { attError: number } {
    const a = this.byHandle.get(handle);
    if (!a) return { attError: ATT_ERR.INVALID_HANDLE };
    let value: Uint8Array;
    if (a.kind === "decl") {
      const u = uuidBytes(a.char.uuid);
      const p = a.char.props;
      const props = (p.broadcast ? 1 : 0) | (p.read ? 2 : 0) | (p.writeWithoutResponse ? 4 : 0) | (p.write ? 8 : 0) | (p.notify ? 0x10 : 0) | (p.indicate ? 0x20 : 0);
      value = Uint8Array.from([props, a.char.valueHandle & 0xff, a.char.valueHandle >> 8, ...u]);
    } else if (a.kind === "desc") value = toBytes(a.char.description ?? "")!;
    else if (a.kind === "cccd") {
      const v = link.cccd.get(a.char.valueHandle) ?? 0;
      value = Uint8Array.from([v & 0xff, v >> 8]);
    } else {
      if (!a.char.props.read) return { attError: ATT_ERR.READ_NOT_PERMITTED };
      const e = this.permError(link, a.char.readPerm);
      if (e) return { attError: e };
      value = a.char.value;
    }
    if (offset > value.length) return { attError: ATT_ERR.INVALID_OFFSET };
    return value.slice(offset, offset + link.mtu - 1); // ATT_READ_RSP / ATT_READ_BLOB_RSP carry MTU-1 bytes
  }

  /** Returns 0 or an ATT error code. `command` = Write Command (no response, errors are silent). */
  attWrite(link: Link, handle: number, data: Uint8Array, command: boolean): number {
    const a = this.byHandle.get(handle);
    if (!a) return ATT_ERR.INVALID_HANDLE;
    const c = a.char;
    if (a.kind === "cccd") {
      if (command) return ATT_ERR.WRITE_NOT_PERMITTED;
      const e = this.permError(link, c.cccdPerm);
      if (e) return e;
      if (data.length !== 2) return ATT_ERR.INVALID_ATTRIBUTE_VALUE_LENGTH;
      const bits = data[0] | (data[1] << 8);
      link.cccd.set(c.valueHandle, bits);
      if (c.onWriteDesc) {
        const fn = c.onWriteDesc;
        const evt = { data: this.ab(data) };
        this.later(() => fn(evt));
      }
      return 0;
    }
    if (a.kind !== "value") return ATT_ERR.WRITE_NOT_PERMITTED;
    if (!(command ? c.props.writeWithoutResponse : c.props.write)) return ATT_ERR.WRITE_NOT_PERMITTED;
    const e = this.permError(link, c.writePerm);
    if (e) return e;
    if (data.length > c.maxLen) return ATT_ERR.INVALID_ATTRIBUTE_VALUE_LENGTH;
    c.value = data.slice();
    this.activity(link); // BLE_GATTS_EVT_WRITE
    if (c.role === "nusRx") {
      // BLE UART writes go to the JavaScript console, not to an onWrite handler (bluetooth.c, m_nus).
      const text = String.fromCharCode(...data);
      this.console += text;
      this.st.consoleBytesReceived += data.length;
      if (this.o.onConsoleInput) {
        const f = this.o.onConsoleInput;
        this.later(() => f(text));
      }
      return 0;
    }
    if (c.onWrite) {
      const fn = c.onWrite;
      const evt = { data: this.ab(data) }; // BLEP_WRITE: evt.data is an ArrayBuffer
      this.later(() => fn(evt));
    }
    return 0;
  }

  // ---------------------------------------------------------------- connection events

  private hasWork(l: Link): boolean {
    return l.tx.length > 0 || l.requests.length > 0 || l.outstanding !== null || l.responses.length > 0 || l.indicationInFlight;
  }

  /** Counts the idle connection events that happened up to now (nothing scheduled for them). */
  private settle(l: Link): void {
    const iv = l.intervalMs / 1000;
    const last = l.anchor + l.k * iv;
    const n = Math.floor((this.clock.now() - last) / iv + 1e-9);
    if (n > 0) {
      l.k += n;
      l.events += n;
      this.st.connectionEvents += n;
      this.countIdle(l, n);
    }
  }

  /** bleIdleCounter grows by the interval at each radio event until it reaches 30 s. */
  private countIdle(l: Link, n: number): void {
    if (l.idleMs >= DYN.IDLE_MS) return;
    const needed = Math.ceil((DYN.IDLE_MS - l.idleMs) / l.intervalMs);
    l.idleMs += Math.min(n, needed) * l.intervalMs;
  }

  /**
   * The phone's answer to a Connection Parameter Update request for [min, max] ms. The request (L2CAP
   * signalling, Core Spec v5.3 Vol 3 Part A 4.20) and its response take a connection event each, then the
   * central's LL_CONNECTION_UPDATE_IND names an instant at least 6 events ahead (Vol 6 Part B 5.1.1): the new
   * interval starts 8 events after the request. A later request replaces one still on its way.
   */
  private requestInterval(l: Link, min: number, max: number): void {
    let iv = l.grantsMin ? min : Math.min(Math.max(l.intervalMs, min), max);
    iv = Math.max(iv, l.phoneMinMs);
    iv = Math.round(iv / 1.25) * 1.25; // connInterval is a multiple of 1.25 ms (Core Spec Vol 6 Part B 4.5.1)
    if (l.updateTimer !== null) this.clock.cancel(l.updateTimer);
    l.updateTimer = null;
    if (iv === l.intervalMs || l.lost) return;
    const at = this.nextEventAt(l) + 7 * (l.intervalMs / 1000);
    // Just before the instant's event, so that event itself runs (the first at the new interval).
    l.updateTimer = this.clock.schedule(at - 1e-6, () => {
      l.updateTimer = null;
      if (l !== this.link || l.lost) return;
      this.applyInterval(l, iv, at);
    });
  }

  /** The new interval from the event at `instant` on (that event included). */
  private applyInterval(l: Link, iv: number, instant: number): void {
    this.settle(l);
    if (l.timer !== null) this.clock.cancel(l.timer);
    l.timer = null;
    l.anchor = instant - iv / 1000;
    l.k = 0;
    l.intervalMs = iv;
    this.report({ kind: "connection", intervalMs: iv });
    this.kick(l);
    this.armIdle(l);
  }

  /** In "auto" mode, schedules the switch to the 200 ms idle interval after 30 s without activity. */
  private armIdle(l: Link): void {
    if (l.dynTimer !== null) this.clock.cancel(l.dynTimer);
    l.dynTimer = null;
    if (this.preferredInterval || !l.high || l.lost || l !== this.link) return;
    this.settle(l);
    const needed = l.idleMs >= DYN.IDLE_MS ? 1 : Math.ceil((DYN.IDLE_MS - l.idleMs) / l.intervalMs) + 1;
    const at = l.anchor + (l.k + needed) * (l.intervalMs / 1000);
    l.dynTimer = this.clock.schedule(at, () => {
      l.dynTimer = null;
      if (l !== this.link || l.lost) return;
      this.settle(l);
      if (!this.preferredInterval && l.high && l.idleMs >= DYN.IDLE_MS) {
        l.high = false;
        this.requestInterval(l, DYN.LOW_MS, DYN.LOW_MS);
      } else this.armIdle(l);
    });
  }

  /** jsble_peripheral_activity(): updateServices, writes from the central, UART traffic. */
  activity(l: Link | null): void {
    if (!l || l.lost || l !== this.link) return;
    this.settle(l);
    if (!this.preferredInterval && l.idleMs < DYN.HIGH_TIME_MS && !l.high) {
      l.high = true;
      this.requestInterval(l, DYN.HIGH_MS, DYN.HIGH_MS);
    }
    l.idleMs = l.idleMs > DYN.COUNTDOWN_MS ? l.idleMs - DYN.COUNTDOWN_MS : 0;
    this.armIdle(l);
  }

  kick(l: Link): void {
    if (l !== this.link || l.lost || l.timer !== null || !this.hasWork(l)) return;
    this.settle(l);
    const at = l.anchor + (l.k + 1) * (l.intervalMs / 1000);
    l.timer = this.clock.schedule(at, () => this.connectionEvent(l));
  }

  private connectionEvent(l: Link): void {
    l.timer = null;
    if (l !== this.link || l.lost) return;
    l.k++;
    l.events++;
    this.st.connectionEvents++;
    this.countIdle(l, 1);
    const ev = l.events;
    let budget = l.perEvent;
    // 1. answers due now (responses to last event's request, indication confirmations)
    const due = l.responses.filter((x) => x.at <= ev);
    l.responses = l.responses.filter((x) => x.at > ev);
    if (l.indicationInFlight && l.indicationConfirmAt <= ev) l.indicationInFlight = false; // ATT_HANDLE_VALUE_CFM
    for (const d of due) {
      budget--;
      d.fn();
      if (l !== this.link || l.lost) return;
    }
    // 2. the central's next request (ATT allows one outstanding request) and any commands
    let fromPhone = 0; // the phone also sends at most perEvent packets in one event
    while (l.requests.length > 0 && l.outstanding === null && fromPhone < l.perEvent) {
      fromPhone++;
      const req = l.requests.shift()!;
      const answer = req.run();
      if (req.done) {
        l.outstanding = req;
        const done = req.done;
        l.responses.push({
          at: ev + 1,
          fn: () => {
            l.outstanding = null;
            done(answer);
          },
        });
        break;
      }
    }
    // 3. notifications / indications, in order, within the packets left in this event
    let sent = 0;
    while (budget > 0 && l.tx.length > 0) {
      const item = l.tx[0];
      if (item.indicate && l.indicationInFlight) break;
      l.tx.shift();
      budget--;
      sent++;
      this.st.payloadBytesSent += item.data.length;
      if (item.indicate) {
        l.indicationInFlight = true;
        l.indicationConfirmAt = ev + 1;
        this.st.indicationsSent++;
      } else {
        l.queuedNotifications--;
        this.st.notificationsSent++;
      }
      l.central.deliver(item.char.serviceUuid, item.char.uuid, item.char.valueHandle, item.data.slice(), item.indicate);
      if (l !== this.link || l.lost) return;
    }
    if (sent > 0) {
      this.st.busyEvents++;
      this.report({ kind: "radioPackets", count: sent });
    }
    this.kick(l);
  }

  // ---------------------------------------------------------------- link lifecycle (called by centrals)

  canConnect(): string | null {
    if (this.link) return "already connected";
    if (this.sleeping) return "not advertising (NRF.sleep)";
    if (!this.connectable) return "advertising is not connectable";
    return null;
  }

  openLink(central: CentralSide, addr: string, mtu: number, intervalMs: number, perEvent: number, phoneMinMs: number, grantsMin = false): Link {
    const now = this.clock.now();
    const iv = intervalMs; // the phone picks the first interval; the device asks for its preference afterwards
    const l: Link = {
      central,
      addr,
      mtu: Math.min(Math.max(23, mtu), this.maxMtu), // ATT_MTU = min(client Rx MTU, server Rx MTU), Vol 3 Part F 3.4.2
      intervalMs: iv,
      perEvent,
      phoneMinMs,
      grantsMin,
      updateTimer: null,
      encrypted: false,
      mitm: false,
      lesc: false,
      bonded: false,
      cccd: new Map(),
      tx: [],
      queuedNotifications: 0,
      indicationInFlight: false,
      indicationConfirmAt: 0,
      requests: [],
      outstanding: null,
      responses: [],
      anchor: now,
      k: 0,
      events: 0,
      timer: null,
      lost: false,
      high: true,
      idleMs: 0,
      dynTimer: null,
    };
    this.link = l;
    this.st.connections++;
    this.report({ kind: "connection", intervalMs: l.intervalMs });
    this.updateAdvertisingActivity();
    this.emit("connect", addr);
    // No 'mtu' event: 2v29 queues BLEP_MTU_UPDATE only from BLE_GATTC_EVT_EXCHANGE_MTU_RSP (Espruino as a
    // client); the phone's exchange request (BLE_GATTS_EVT_EXCHANGE_MTU_REQUEST) is answered silently, so the
    // firmware as a peripheral cannot learn the negotiated MTU from Espruino.
    // ble_conn_params: FIRST_CONN_PARAMS_UPDATE_DELAY after connecting, ask for the preferred parameters
    // (auto mode: 7.5 ms, DEFAULT_PERIPH_MAX_CONN_INTERVAL) if the phone's interval is outside them
    this.clock.schedule(now + DYN.FIRST_UPDATE_S, () => {
      if (this.link !== l || l.lost) return;
      const p = this.preferredInterval ?? (l.high ? { min: DYN.HIGH_MS, max: DYN.HIGH_MS } : { min: DYN.LOW_MS, max: DYN.LOW_MS });
      this.requestInterval(l, p.min, p.max);
    });
    this.armIdle(l);
    return l;
  }

  /** A bonded central re-encrypts with its stored keys as soon as it connects. Returns false if we lost the bond. */
  reEncrypt(l: Link): boolean {
    const b = this.bondStore.get(l.addr);
    this.emit("bond", "start");
    if (!b) {
      this.emit("bond", "fail");
      return false;
    }
    l.encrypted = true;
    l.mitm = b.mitm;
    l.lesc = b.lesc;
    l.bonded = true;
    this.emit("bond", "success");
    return true;
  }

  /**
   * Pairing (Security Manager, Core Spec v5.3 Vol 3 Part H) as the SDK12 build of 2v29 runs it (MDBT42Q,
   * Puck.js: make/family/NRF52.make, NRF_SD_BLE_API_VERSION=3, Peer Manager on).
   *
   * - targets/nrf5x/bluetooth.c ble_evt_dispatch() hands BLE_GAP_EVT_SEC_PARAMS_REQUEST to pm_on_ble_evt()
   *   first; the SDK12 Peer Manager answers it at once (security_manager.c smd_params_reply_perform ->
   *   security_dispatcher.c smd_params_reply -> sd_ble_gap_sec_params_reply) with the parameters last given
   *   to pm_sec_params_set() (jsble_update_security: bond, mitm, lesc, io caps from display/keyboard).
   *   Espruino's own check (ble_evt_handler, `pair:false` = BLE_IS_NOT_PAIRABLE, and jsble_can_pair_with_peer's
   *   MITM check) runs afterwards and its PAIRING_NOT_SUPP reply fails with NRF_ERROR_INVALID_STATE: on this
   *   stack neither `pair:false` nor `mitm` refuses a pairing. `lateRejects` counts these too-late refusals.
   * - A peer we hold a bond for may pair again: PM_EVT_CONN_SEC_CONFIG_REQ is answered allow_repairing=true.
   * - Method (Vol 3 Part H 2.3.5.1): the device is DISPLAY_ONLY with `display` (KEYBOARD_DISPLAY with
   *   `keyboard` too); a phone with a keyboard enters the passkey (authenticated, MITM); a phone that claims
   *   NoInputNoOutput gets Just Works: encrypted, not MITM-protected, even if the device asked for `mitm` (the
   *   S132 SoftDevice leaves rejecting that to the application, which on SDK12 cannot). A wrong passkey fails
   *   with CONFIRM_VALUE. LESC is used when both sides set it: SDK12 builds have it (bluetooth.c defines
   *   LINK_SECURITY with the Peer Manager; NRF52.make compiles ecc.c and micro-ecc "Secure connection support").
   * - Bonding happens only when the device's `bond` is set (SMP: both sides' bonding flags); the keys then go
   *   to the Peer Manager's flash pages.
   * - `stall`: the phone starts pairing and never finishes (a prompt left open): SMP times out after 30 s
   *   (Vol 3 Part H 3.4) with TIMEOUT; meanwhile the link stays up.
   */
  pair(l: Link, o: PairOptions, installOnly = false): { ok: true } | { ok: false; status: string } | { ok: "pending" } {
    if (installOnly) {
      // a bond made earlier, the proper way: passkey entry over LESC
      this.bondStore.set(l.addr, { mitm: true, lesc: true });
      return { ok: true };
    }
    const s = this.security;
    this.emit("bond", "start"); // PM_EVT_CONN_SEC_START: the Peer Manager has already replied
    if ((s.pair !== undefined && !s.pair) || !this.canPairWithPeer(o)) this.lateRejects++; // too late: INVALID_STATE
    const fail = (status: string) => {
      this.emit("security", { auth_status: status, bonded: false, lv4: 0, kdist_own: 0, kdist_peer: 0 });
      this.emit("bond", "fail");
      return { ok: false as const, status };
    };
    if (o.stall) {
      this.clock.schedule(this.clock.now() + 30, () => {
        if (this.link === l && !l.lost) fail("TIMEOUT");
      });
      return { ok: "pending" };
    }
    const display = !!s.display;
    const keyboard = !!s.keyboard;
    const phoneKeyboard = (o.io ?? (o.passkey !== undefined ? "keyboard" : "none")) === "keyboard";
    const passkeyEntry = phoneKeyboard && (display || keyboard);
    let mitm = false;
    if (passkeyEntry && display) {
      const fixed = typeof s.passkey === "string" && s.passkey.length > 0;
      const shown = fixed ? (s.passkey as string) : this.newPasskey();
      this.passkeyShown = shown;
      if (!fixed) this.emit("passkey", shown);
      if (o.passkey !== shown) return fail("CONFIRM_VALUE");
      mitm = true;
    } else if (passkeyEntry) mitm = true; // the device types the phone's key: modelled as accepted
    const lesc = !!s.lesc && o.lesc !== false;
    const bond = s.bond === undefined || !!s.bond;
    l.encrypted = true;
    l.mitm = mitm;
    l.lesc = lesc;
    l.bonded = bond;
    if (bond) {
      this.bondStore.set(l.addr, { mitm, lesc });
      if (this.whitelistOnBond && !this.whitelistList.includes(l.addr)) this.whitelistList.push(l.addr);
    }
    this.emit("security", { auth_status: "SUCCESS", bonded: bond, lv4: lesc && mitm ? 1 : 0, kdist_own: bond ? 3 : 0, kdist_peer: bond ? 3 : 0 });
    this.emit("bond", "success");
    return { ok: true };
  }

  /** jsble_can_pair_with_peer(): what Espruino would refuse if it answered first (SDK14+ does, SDK12 not). */
  private canPairWithPeer(o: PairOptions): boolean {
    const s = this.security;
    if (!s.mitm || s.oob) return true;
    const phoneKeyboard = (o.io ?? (o.passkey !== undefined ? "keyboard" : "none")) === "keyboard";
    return phoneKeyboard && (!!s.display || !!s.keyboard);
  }

  private newPasskey(): string {
    let x = this.passkeySeed;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.passkeySeed = x >>> 0;
    return String(this.passkeySeed % 1000000).padStart(6, "0");
  }

  hasBond(addr: string): boolean {
    return this.bondStore.has(addr);
  }

  /** Time of the link's next connection event. */
  nextEventAt(l: Link): number {
    if (!l.lost) this.settle(l);
    return l.anchor + (l.k + 1) * (l.intervalMs / 1000);
  }

  /** The link is lost at the radio: the firmware learns it after the supervision timeout. */
  loseLink(l: Link): void {
    if (l !== this.link || l.lost) return;
    this.settle(l);
    l.lost = true;
    if (l.timer !== null) this.clock.cancel(l.timer);
    l.timer = null;
    if (l.dynTimer !== null) this.clock.cancel(l.dynTimer);
    l.dynTimer = null;
    this.clock.schedule(this.clock.now() + this.supervisionS, () => {
      if (this.link === l) this.closeLink(l, HCI.CONNECTION_TIMEOUT, true);
    });
  }

  /** Ends the link. `notifyFirmware` false on a reboot (no JS left to tell). */
  closeLink(l: Link, reason: number, notifyFirmware: boolean): void {
    if (l !== this.link) return;
    if (!l.lost) this.settle(l);
    if (l.timer !== null) this.clock.cancel(l.timer);
    l.timer = null;
    if (l.dynTimer !== null) this.clock.cancel(l.dynTimer);
    l.dynTimer = null;
    this.st.notificationsLost += l.tx.length;
    l.tx = [];
    l.queuedNotifications = 0;
    this.link = null;
    this.report({ kind: "connection", intervalMs: 0 });
    if (notifyFirmware) this.emit("disconnect", reason);
    if (this.needsRestart) this.restartNow();
    this.updateAdvertisingActivity();
  }

  // ---------------------------------------------------------------- advertising

  private advertisingNow(): boolean {
    return !this.sleeping && (!this.link || this.whenConnected);
  }

  private updateAdvertisingActivity(): void {
    const on = this.advertisingNow();
    if (on !== this.advOn) {
      this.advOn = on;
      this.emit("advertising", on); // jsble_advertising_start/stop queue an 'advertising' event
    }
    const now = this.advertisingNow() ? { intervalMs: this.advIntervalMs, txPowerDbm: this.txPower } : { intervalMs: 0, txPowerDbm: this.txPower };
    if (now.intervalMs !== this.reportedAdv.intervalMs || (now.intervalMs > 0 && now.txPowerDbm !== this.reportedAdv.txPowerDbm)) {
      this.reportedAdv = now;
      this.report({ kind: "advertising", ...now });
    }
  }

  private currentAdvertising(): Uint8Array {
    if (this.advData) return this.advData;
    // jswrap_ble_getCurrentAdvertisingData: with no stored data the defaults are built without the options
    return buildAdvertising(undefined, undefined, { deviceName: this.deviceName }, true);
  }

  private currentScanResponse(): Uint8Array {
    if (this.scanResponse) return this.scanResponse;
    const uuids = [...(this.uartInited ? [NUS.service] : []), ...this.advertiseUuids];
    try {
      return buildDefaultScanResponse(uuids);
    } catch {
      return new Uint8Array(0);
    }
  }

  scanRecord(): ScanRecord | null {
    if (!this.advertisingNow()) return null;
    const adv = this.currentAdvertising();
    const sr = this.currentScanResponse();
    const connectable = this.connectable && !this.link;
    const rec: ScanRecord = {
      serviceUuids: [],
      serviceData: {},
      manufacturerData: {},
      advertising: adv,
      scanResponse: sr,
      connectable,
      intervalMs: this.advIntervalMs,
      txPowerDbm: this.txPower,
    };
    parseAdStructures(adv, rec);
    parseAdStructures(sr, rec);
    return rec;
  }

  // ---------------------------------------------------------------- the NRF object

  private makeNrf(): NrfGlobal {
    const self = this;
    const nrf: NrfGlobal = {
      // Espruino's Object.prototype.on/removeListener/emit, used for NRF events
      on(event: string, fn: Function) {
        const l = self.listeners.get(event) ?? [];
        l.push(fn);
        self.listeners.set(event, l);
      },
      addListener(event: string, fn: Function) {
        nrf.on(event, fn);
      },
      prependListener(event: string, fn: Function) {
        const l = self.listeners.get(event) ?? [];
        l.unshift(fn);
        self.listeners.set(event, l);
      },
      removeListener(event: string, fn: Function) {
        const l = self.listeners.get(event);
        if (l) {
          const i = l.indexOf(fn);
          if (i >= 0) l.splice(i, 1);
        }
      },
      removeAllListeners(event?: string) {
        if (event === undefined) self.listeners.clear();
        else self.listeners.delete(event);
      },
      emit(event: string, ...args: unknown[]) {
        for (const l of (self.listeners.get(event) ?? []).slice()) l.apply(nrf, args);
      },

      /** https://www.espruino.com/Reference#l_NRF_setServices */
      setServices(data?: unknown, options?: Record<string, unknown>) {
        if (!(data === undefined || (typeof data === "object" && data !== null && !Array.isArray(data))))
          throw self.err(`Expecting Object or undefined, got ${typeof data}`);
        const o = options ?? {};
        if (o.hid !== undefined) throw self.err("BLE HID is not modelled by the simulator");
        self.uartWanted = o.uart === undefined ? true : !!o.uart;
        let advertise: string[] = [];
        if (o.advertise !== undefined) {
          if (!Array.isArray(o.advertise)) throw self.err("'advertise' must be an array");
          try {
            advertise = o.advertise.map((u) => parseUuid(u));
          } catch (e) {
            throw self.wrap(e);
          }
        }
        let table: Service[];
        try {
          table = self.parseServices(data);
        } catch (e) {
          throw self.wrap(e);
        }
        self.userData = data;
        self.userTable = table;
        self.advertiseUuids = advertise;
        const restart = self.uartWanted !== self.uartInited || o.advertise !== undefined;
        if (self.servicesWereSet || restart || self.needsRestart) self.restart();
        else {
          self.rebuildGatt(); // only adding: no restart needed
          self.servicesWereSet = self.userTable.length > 0;
        }
        if (!self.link) {
          // the restart re-creates the scan response (NUS + advertise UUIDs): "you may get a DATA_SIZE exception"
          try {
            buildDefaultScanResponse([...(self.uartInited ? [NUS.service] : []), ...self.advertiseUuids]);
          } catch (e) {
            throw self.wrap(e);
          }
        }
      },

      /** https://www.espruino.com/Reference#l_NRF_updateServices */
      updateServices(data?: unknown) {
        if (self.needsRestart) throw self.err("Can't update services until BLE restart");
        self.activity(self.link);
        if (data === undefined) return;
        if (typeof data !== "object" || data === null) throw self.err(`Expecting Object or undefined, got ${typeof data}`);
        for (const skey of Object.keys(data)) {
          try {
            parseUuidKey(skey);
          } catch (e) {
            throw self.err(`Invalid Service UUID: ${(e as Error).message}`);
          }
          const sv = ((data as Record<string, unknown>)[skey] ?? {}) as Record<string, unknown>;
          for (const ckey of Object.keys(sv)) {
            let cu: string;
            try {
              cu = parseUuidKey(ckey);
            } catch (e) {
              throw self.err(`Invalid Characteristic UUID: ${(e as Error).message}`);
            }
            // bleGetGATTHandle looks the characteristic up by its own UUID only (first match)
            const c = self.userTable.flatMap((s) => s.chars).find((x) => x.uuid === cu);
            if (!c) throw self.err(`Unable to find service with UUID ${cu}`);
            const cv = (sv[ckey] ?? {}) as Record<string, unknown>;
            const v = toBytes(cv.value);
            if (!v || v.length === 0) continue; // "if (vPtr && vLen)"
            if (v.length > c.maxLen) throw self.nrfErr(NRF_ERR.DATA_SIZE); // sd_ble_gatts_value_set
            c.value = v;
            const notify = !!cv.notify;
            const indicate = !!cv.indicate;
            const l = self.link;
            if ((notify || indicate) && l) self.hvx(l, c, v, indicate);
          }
        }
      },

      /** https://www.espruino.com/Reference#l_NRF_setAdvertising */
      setAdvertising(data?: unknown, options?: Record<string, unknown>) {
        if (options !== undefined && (typeof options !== "object" || options === null)) throw self.err(`Expecting Object or undefined, got ${typeof options}`);
        const o = options ?? {};
        if (o.interval !== undefined) {
          // MSEC_TO_UNITS(ms, 0.625 ms), clamped to 0x20..0x4000 units (20 ms .. 10.24 s)
          const units = Math.min(Math.max(Math.floor((Number(o.interval) * 1000) / 625), 0x20), 0x4000);
          self.advIntervalMs = (units * 625) / 1000;
        }
        if (o.connectable !== undefined) self.connectable = !!o.connectable;
        if (o.whenConnected !== undefined) self.whenConnected = !!o.whenConnected;
        if (typeof o.name === "string") {
          self.deviceName = o.name; // sd_ble_gap_device_name_set: also the GAP Device Name characteristic
          const gapName = self.services[0]?.chars[0];
          if (gapName) gapName.value = toBytes(o.name)!;
        }
        self.advOptions = options;
        let error: Error | null = null;
        if (data === undefined || (typeof data === "object" && data !== null && !Array.isArray(data) && !ArrayBuffer.isView(data))) {
          try {
            self.advData = data === undefined ? null : buildAdvertising(data, options, { deviceName: self.deviceName }, true);
          } catch (e) {
            self.advData = null; // Espruino stores nothing and falls back to its default packet
            error = self.wrap(e);
          }
        } else {
          const raw = Array.isArray(data) && data.some((x) => typeof x === "object") ? data[0] : data; // rotation: first packet only
          const bytes =
            raw !== null && typeof raw === "object" && !Array.isArray(raw) && !ArrayBuffer.isView(raw)
              ? buildAdvertising(raw, options, { deviceName: self.deviceName }, true)
              : toBytes(raw);
          if (!bytes) throw self.err(`Expecting Array or Object, got ${typeof data}`);
          if (bytes.length > 31) error = self.nrfErr(NRF_ERR.DATA_SIZE);
          else self.advData = bytes;
        }
        if (self.advOn) {
          // setAdvertising stops and restarts advertising to load the new data
          self.emit("advertising", false);
          self.emit("advertising", true);
        }
        self.updateAdvertisingActivity();
        if (error) throw error;
      },

      /** https://www.espruino.com/Reference#l_NRF_getAdvertisingData */
      getAdvertisingData(data?: unknown, options?: Record<string, unknown>) {
        try {
          return Array.from(buildAdvertising(data, options, { deviceName: self.deviceName }, false));
        } catch (e) {
          throw self.wrap(e);
        }
      },

      /** https://www.espruino.com/Reference#l_NRF_setScanResponse */
      setScanResponse(data?: unknown) {
        if (data === undefined) {
          self.scanResponse = null;
          return;
        }
        const b = toBytes(data);
        if (!b) throw self.err(`Expecting array-like object or undefined, got ${typeof data}`);
        if (b.length > 31) throw self.nrfErr(NRF_ERR.DATA_SIZE);
        self.scanResponse = b;
      },

      getAdvertisingName() {
        return self.deviceName;
      },

      /** https://www.espruino.com/Reference#l_NRF_getAddress - the default address is random static */
      getAddress() {
        return self.address; // 2v29: "aa:bb:cc:dd:ee:ff" (jswrap_ble_getAddress), no address-type suffix
      },

      /** https://www.espruino.com/Reference#l_NRF_setTxPower */
      setTxPower(dbm: number) {
        if (!VALID_TX_POWER.includes(Number(dbm))) throw self.nrfErr(NRF_ERR.INVALID_PARAM);
        self.txPower = Number(dbm);
        self.updateAdvertisingActivity();
      },

      /** https://www.espruino.com/Reference#l_NRF_setConnectionInterval */
      setConnectionInterval(interval?: unknown) {
        const l = self.link;
        if (interval === undefined || interval === "auto") {
          self.preferredInterval = null; // dynamic adjustment again
          if (l) self.armIdle(l);
          return;
        }
        let min: number;
        let max: number;
        if (typeof interval === "number") min = max = interval;
        else if (typeof interval === "object" && interval !== null) {
          const o = interval as Record<string, unknown>;
          min = Number(o.minInterval);
          max = Number(o.maxInterval);
        } else return;
        // BLE_GAP_CP_LIMITS: 7.5 ms .. 4 s in 1.25 ms units
        if (!(min >= 7.5 && max <= 4000 && min <= max)) throw self.nrfErr(NRF_ERR.INVALID_PARAM);
        self.preferredInterval = { min, max };
        if (l) {
          if (l.dynTimer !== null) self.clock.cancel(l.dynTimer);
          l.dynTimer = null;
          self.requestInterval(l, min, max);
        }
      },

      /** https://www.espruino.com/Reference#l_NRF_setSecurity */
      setSecurity(options?: Record<string, unknown>) {
        if (options !== undefined && (typeof options !== "object" || options === null)) throw self.err(`Expecting Object or undefined, got ${typeof options}`);
        const s = options ?? {};
        if (typeof s.passkey === "string" && s.passkey.length > 0 && !s.display) {
          // "supplying a passkey without display:1 is not allowed"
          throw self.nrfErr(NRF_ERR.INVALID_PARAM);
        }
        self.security = { ...s };
        // jsble_update_security: oob, mitm or a passkey mean an encrypted (MITM-protected) UART
        const hasPasskey = typeof s.passkey === "string" && s.passkey.length > 0;
        const mitmProtect = !!s.oob || !!s.mitm || hasPasskey;
        const encryptUart = mitmProtect || !!s.encryptUart;
        if (encryptUart !== self.encryptUart || mitmProtect !== self.mitmProtect) {
          self.encryptUart = encryptUart;
          self.mitmProtect = mitmProtect;
          if (self.uartInited) self.restart(); // only a restart re-creates the UART's permissions
        }
      },

      /** https://www.espruino.com/Reference#l_NRF_getSecurityStatus */
      getSecurityStatus() {
        const l = self.link;
        const advertising = self.advertisingNow();
        if (!l) return { advertising, connected: false };
        return {
          advertising,
          connectionInterval: Math.round(l.intervalMs / 1.25), // units of 1.25 ms, as the SoftDevice reports it
          connected: true,
          encrypted: l.encrypted,
          mitm_protected: l.mitm,
          bonded: l.bonded,
          connected_addr: l.addr,
        };
      },

      /** https://www.espruino.com/Reference#l_NRF_disconnect */
      disconnect() {
        const l = self.link;
        if (!l || l.lost) return;
        // LL_TERMINATE_IND goes out at the next connection event; we then see LOCAL_HOST_TERMINATED (22)
        self.clock.schedule(self.nextEventAt(l), () => {
          if (self.link !== l) return;
          self.settle(l);
          l.central.linkClosed(HCI.REMOTE_USER_TERMINATED);
          self.closeLink(l, HCI.LOCAL_HOST_TERMINATED, true);
        });
      },

      /** https://www.espruino.com/Reference#l_NRF_sleep */
      sleep() {
        self.sleeping = true;
        self.updateAdvertisingActivity();
        nrf.disconnect();
      },

      /** https://www.espruino.com/Reference#l_NRF_wake */
      wake() {
        self.sleeping = false;
        self.updateAdvertisingActivity();
      },

      /** https://www.espruino.com/Reference#l_NRF_restart */
      restart(callback?: unknown) {
        self.restart();
        if (typeof callback === "function" && !self.link) (callback as () => void)();
      },

      /** https://www.espruino.com/Reference#l_NRF_eraseBonds */
      eraseBonds() {
        if (self.link) throw self.err("BLE Connected, can't erase bonds.");
        self.bondStore.clear();
        self.whitelistList = [];
      },

      /** https://www.espruino.com/Reference#l_NRF_setWhitelist - bonds made while on are added to the whitelist.
       *  Note (targets/nrf5x/bluetooth.c): advertising uses BLE_GAP_ADV_FP_ANY, so the whitelist does not stop
       *  other devices connecting or pairing; the firmware must check bonded status itself. */
      setWhitelist(on: unknown) {
        self.whitelistOnBond = !!on;
        if (!on) self.whitelistList = [];
      },

      /** https://www.espruino.com/Reference#l_NRF_getBattery */
      getBattery() {
        return self.o.battery();
      },
    };
    return nrf;
  }

  /** sd_ble_gatts_hvx as updateServices calls it (jswrap_ble_updateServices). */
  private hvx(l: Link, c: Char, v: Uint8Array, indicate: boolean): void {
    const bits = l.cccd.get(c.valueHandle) ?? 0;
    // Not enabled in the CCCD (or no CCCD): NRF_ERROR_INVALID_STATE, which Espruino ignores silently.
    if (!(indicate ? c.props.indicate && bits & 2 : c.props.notify && bits & 1)) return;
    // A notification carries at most ATT_MTU-3 bytes. S132 v3's header does not settle what sd_ble_gatts_hvx
    // does with more ("p_len: length in bytes to be written, length in bytes written after successful
    // return", ble_gatts.h): refuse with NRF_ERROR_DATA_SIZE (default), or send the first ATT_MTU-3 bytes.
    if (v.length > l.mtu - 3) {
      if (this.overLongNotification === "refuse") throw this.nrfErr(NRF_ERR.DATA_SIZE);
      v = v.subarray(0, l.mtu - 3);
    }
    if (indicate) {
      const pending = l.indicationInFlight || l.tx.some((t) => t.indicate);
      if (pending) throw this.nrfErr(NRF_ERR.BUSY); // one indication at a time: NRF_ERROR_BUSY is reported
      l.tx.push({ char: c, data: v.slice(), indicate: true });
    } else {
      if (l.queuedNotifications >= this.txBuffers) {
        // BLE_ERROR_NO_TX_PACKETS: Espruino ignores it - the notification is silently dropped
        this.st.notificationsDropped++;
        return;
      }
      l.queuedNotifications++;
      l.tx.push({ char: c, data: v.slice(), indicate: false });
    }
    this.kick(l);
  }

  // ---------------------------------------------------------------- the radio (simulator-side) API

  private makeRadioApi(): SimRadio {
    const self = this;
    return {
      get overLongNotification() {
        return self.overLongNotification;
      },
      set overLongNotification(v) {
        self.overLongNotification = v;
      },
      central(opts) {
        self.centralCount++;
        const n = self.centralCount;
        const addr = (opts?.address ?? `5a:3c:00:00:00:${n.toString(16).padStart(2, "0")} public`).toLowerCase();
        return new SimCentral(self, addr);
      },
      reset() {
        const l = self.link;
        if (l) {
          l.central.linkClosed(HCI.CONNECTION_TIMEOUT);
          self.closeLink(l, HCI.CONNECTION_TIMEOUT, false);
        }
        self.listeners.clear();
        self.userData = undefined;
        self.userTable = [];
        self.servicesWereSet = false;
        self.needsRestart = false;
        self.uartWanted = true;
        self.advertiseUuids = [];
        self.security = {};
        self.encryptUart = false;
        self.mitmProtect = false;
        self.whitelistOnBond = false; // "isn't remembered after power-on"
        self.passkeyShown = null;
        self.deviceName = self.o.deviceName ?? self.defaultName();
        self.advData = null;
        self.advOptions = undefined;
        self.scanResponse = null;
        self.advIntervalMs = 375;
        self.connectable = true;
        self.whenConnected = false;
        self.sleeping = false;
        self.txPower = 0;
        self.preferredInterval = null;
        self.restartNow();
      },
      stats() {
        const s = { ...self.st };
        const l = self.link;
        if (l && !l.lost) {
          // idle events up to now count too
          const iv = l.intervalMs / 1000;
          const last = l.anchor + l.k * iv;
          s.connectionEvents += Math.max(0, Math.floor((self.clock.now() - last) / iv + 1e-9));
        }
        return s;
      },
      scan: () => self.scanRecord(),
      gattTable: () => self.table(),
      isConnected: () => self.link !== null,
      uart: () => ({ present: self.uartInited, encrypted: self.uartInited && self.encryptUart }),
      consoleInput: () => self.console,
      bonds: () => [...self.bondStore.keys()],
      whitelist: () => [...self.whitelistList],
      eraseBonds() {
        self.bondStore.clear();
        self.whitelistList = [];
      },
      displayedPasskey: () => self.passkeyShown,
      lateRejects: () => self.lateRejects,
      advertisingIntervalMs: () => self.advIntervalMs,
      txPowerDbm: () => self.txPower,
      connectionIntervalMs: () => self.link?.intervalMs ?? null,
    };
  }
}
