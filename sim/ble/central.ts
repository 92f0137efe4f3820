// The simulated central: the companion app's phone. Promise-based; every operation completes in virtual time
// at the link's connection events (one ATT request outstanding at a time, Core Spec v5.3 Vol 3 Part F 3.3.2;
// a request goes out in one connection event and its response comes back in the next).
import type { AttErrorRejection, LinkRejection } from "./att.js";
import { ATT_ERR, attName } from "./att.js";
import type { ScanRecord } from "./adv.js";
import { HCI, type DiscoveredService, type Link, type PairOptions, type Radio } from "./nrf.js";

/** What the radio calls on the connected central. */
export interface CentralSide {
  deliver(serviceUuid: string, charUuid: string, handle: number, data: Uint8Array, indication: boolean): void;
  /** The link is gone for the central (reason as the central's stack reports it). */
  linkClosed(reason: number): void;
}

export interface ConnectOptions {
  /** The phone's ATT_MTU request; the link uses min(mtu, the device's max (53)). Default 23 (no exchange). */
  mtu?: number;
  /** true: a bond already exists on both sides (as if paired earlier, bypassing the firmware's pairing rules);
   *  false: the phone forgot its bond; undefined (default): whatever the phone remembers from pair(). */
  bonded?: boolean;
  /** Connection interval the phone picks (ms, multiple of 1.25). Default 30. */
  intervalMs?: number;
  /** Packets the phone takes from the device per connection event. Default 4. */
  notificationsPerEvent?: number;
  /** Smallest interval the phone grants when the device asks for a faster one. Default 15 (iOS guideline;
   *  many Android phones grant 7.5). Set it to intervalMs for a phone that keeps its interval. */
  minIntervalMs?: number;
  /** How the phone answers a Connection Parameter Update request for [min, max]: "keep" (default) its
   *  interval when inside the range, else the nearest bound; "min": the range's minimum. */
  grants?: "keep" | "min";
}

export interface ConnectResult {
  mtu: number;
  intervalMs: number;
  encrypted: boolean;
  bonded: boolean;
}

export interface PairResult {
  encrypted: boolean;
  mitm: boolean;
  lesc: boolean;
  bonded: boolean;
}

export type CentralRejection = AttErrorRejection | LinkRejection;

type Bytes = Uint8Array | ArrayLike<number> | string;

function u8(d: Bytes): Uint8Array {
  if (typeof d === "string") return Uint8Array.from(d, (ch) => ch.charCodeAt(0) & 0xff);
  return Uint8Array.from(d as ArrayLike<number>);
}

function attReject(code: number): AttErrorRejection {
  return { attError: code, message: `ATT error 0x${code.toString(16).padStart(2, "0")} (${attName(code)})` };
}

export class SimCentral implements CentralSide {
  private link: Link | null = null;
  private bondedTo = false;
  private subs = new Map<number, (value: Uint8Array, indication: boolean) => void>();
  private disconnectCbs: ((reason: number) => void)[] = [];
  private rejects = new Set<(e: CentralRejection) => void>();

  constructor(
    private readonly radio: Radio,
    /** Our address as the firmware sees it in 'connect' and connected_addr. */
    readonly address: string,
  ) {}

  get connected(): boolean {
    return this.link !== null;
  }
  get mtu(): number | null {
    return this.link?.mtu ?? null;
  }
  /** Runs fn after `seconds` of the simulator's clock (the client's time limits); returns a cancel function. */
  after(seconds: number, fn: () => void): () => void {
    const clock = this.radio.clock;
    let live = true;
    clock.schedule(clock.now() + seconds, () => {
      if (live) fn();
    });
    return () => {
      live = false;
    };
  }
  /** Whether this phone holds a bond (keys) for the device. */
  isBonded(): boolean {
    return this.bondedTo;
  }
  /** The phone "forgets this device". */
  forgetBond(): void {
    this.bondedTo = false;
  }
  linkSecurity(): { encrypted: boolean; mitm: boolean; bonded: boolean } | null {
    const l = this.link;
    return l ? { encrypted: l.encrypted, mitm: l.mitm, bonded: l.bonded } : null;
  }

  /** Last advertising packet and scan response as the phone decodes them, or null when the device is silent. */
  scan(): ScanRecord | null {
    return this.radio.scanRecord();
  }

  onDisconnect(cb: (reason: number) => void): () => void {
    this.disconnectCbs.push(cb);
    return () => {
      const i = this.disconnectCbs.indexOf(cb);
      if (i >= 0) this.disconnectCbs.splice(i, 1);
    };
  }

  private op<T>(body: (resolve: (v: T) => void, reject: (e: CentralRejection) => void) => void): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const rej = (e: CentralRejection) => {
        this.rejects.delete(rej);
        reject(e);
      };
      this.rejects.add(rej);
      body((v) => {
        this.rejects.delete(rej);
        resolve(v);
      }, rej);
    });
  }

  private needLink(reject: (e: CentralRejection) => void): Link | null {
    const l = this.link;
    if (!l) reject({ reason: "NOT_CONNECTED", message: "not connected" });
    return l;
  }

  private request<T>(l: Link, run: (l: Link) => T, done: (answer: T) => void, fail: (e: CentralRejection) => void): void {
    l.requests.push({ run: () => run(l), done: done as (a: unknown) => void, fail });
    this.radio.kick(l);
  }

  // ------------------------------------------------------------------ link

  connect(opts: ConnectOptions = {}): Promise<ConnectResult> {
    return this.connectAt(opts, false);
  }

  /** Connects at once, without waiting for an advertising event: a link the SoftDevice accepted while the
   *  interpreter was still starting (call it from the NRF factory of a boot, before the firmware runs). */
  connectNow(opts: ConnectOptions = {}): Promise<ConnectResult> {
    return this.connectAt(opts, true);
  }

  private connectAt(opts: ConnectOptions, now: boolean): Promise<ConnectResult> {
    const mtu = opts.mtu ?? 23;
    const intervalMs = opts.intervalMs ?? 30;
    const perEvent = opts.notificationsPerEvent ?? 4;
    const phoneMin = opts.minIntervalMs ?? 15;
    return this.op<ConnectResult>((resolve, reject) => {
      if (this.link) return reject({ reason: "BUSY", message: "already connected" });
      const why = this.radio.canConnect();
      if (why) return reject({ reason: "NOT_CONNECTABLE", message: why });
      if (opts.bonded === false) this.bondedTo = false;
      if (opts.bonded === true) this.bondedTo = true;
      const clock = this.radio.clock;
      const open = () => {
        const why2 = this.radio.canConnect();
        if (why2) return reject({ reason: "NOT_CONNECTABLE", message: why2 });
        const l = this.radio.openLink(this, this.address, mtu, intervalMs, perEvent, phoneMin, opts.grants === "min");
        this.link = l;
        if (opts.bonded === true && !this.radio.hasBond(this.address)) this.radio.pair(l, {}, true);
        if (this.bondedTo && !this.radio.reEncrypt(l)) this.bondedTo = false; // device lost our bond
        // the first connection event (and the encryption start, when bonded) completes the procedure
        clock.schedule(this.radio.nextEventAt(l), () => {
          if (this.link !== l) return reject({ reason: "LINK_LOST", message: "link lost while connecting" });
          resolve({ mtu: l.mtu, intervalMs: l.intervalMs, encrypted: l.encrypted, bonded: l.bonded });
        });
      };
      if (now) open();
      // the phone catches the device's next advertising event
      else clock.schedule(clock.now() + this.radio.advIntervalMs / 1000, open);
    });
  }

  /** Pairing (and bonding, if the device's settings allow it) on the current link (sim/ble/nrf.ts pair(): the
   *  SDK12 Peer Manager's semantics). `stall` never settles by itself: the SMP timeout fails it after 30 s. */
  pair(opts: PairOptions = {}): Promise<PairResult> {
    return this.op<PairResult>((resolve, reject) => {
      const l = this.needLink(reject);
      if (!l) return;
      const clock = this.radio.clock;
      // the SMP exchange (request/response, confirm, random, key distribution) takes a few connection events
      const t = this.radio.nextEventAt(l) + 3 * (l.intervalMs / 1000);
      clock.schedule(t, () => {
        if (this.link !== l || l.lost) return reject({ reason: "LINK_LOST", message: "link lost during pairing" });
        const r = this.radio.pair(l, opts);
        if (r.ok === "pending") {
          clock.schedule(clock.now() + 30, () => reject({ reason: "PAIRING_FAILED", message: "pairing failed: TIMEOUT", authStatus: "TIMEOUT" } as LinkRejection));
          return;
        }
        if (!r.ok) return reject({ reason: "PAIRING_FAILED", message: `pairing failed: ${r.status}`, authStatus: r.status } as LinkRejection);
        if (l.bonded) this.bondedTo = true;
        resolve({ encrypted: l.encrypted, mitm: l.mitm, lesc: l.lesc, bonded: l.bonded });
      });
    });
  }

  /** The phone ends the connection (LL_TERMINATE_IND): the firmware sees reason 19. */
  disconnect(): Promise<void> {
    return this.op<void>((resolve) => {
      const l = this.link;
      if (!l) return resolve();
      this.radio.clock.schedule(this.radio.nextEventAt(l), () => {
        if (this.link !== l) return resolve();
        resolve();
        this.linkClosed(HCI.LOCAL_HOST_TERMINATED);
        this.radio.closeLink(l, HCI.REMOTE_USER_TERMINATED, true);
      });
    });
  }

  /** The radio link is lost (out of range): pending operations reject now; the firmware gets its 'disconnect'
   *  (reason 8, connection timeout) after the supervision timeout; queued notifications are lost. */
  dropLink(): void {
    const l = this.link;
    if (!l) return;
    this.linkClosed(HCI.CONNECTION_TIMEOUT);
    this.radio.loseLink(l);
  }

  linkClosed(reason: number): void {
    if (!this.link) return;
    this.link = null;
    this.subs.clear();
    const why: LinkRejection =
      reason === HCI.CONNECTION_TIMEOUT ? { reason: "LINK_LOST", message: "link lost" } : { reason: "DISCONNECTED", message: `disconnected (${reason})` };
    for (const r of [...this.rejects]) r(why);
    for (const cb of this.disconnectCbs.slice()) cb(reason);
  }

  deliver(_s: string, _c: string, handle: number, data: Uint8Array, indication: boolean): void {
    const h = this.subs.get(handle);
    if (h) h(data, indication);
  }

  // ------------------------------------------------------------------ GATT client

  /** Service/characteristic discovery (one round trip per service and per characteristic). */
  discover(): Promise<DiscoveredService[]> {
    return this.op<DiscoveredService[]>((resolve, reject) => {
      const l = this.needLink(reject);
      if (!l) return;
      const table = this.radio.table();
      let rounds = table.length + table.reduce((n, s) => n + s.characteristics.length, 0);
      const step = () => {
        if (rounds-- <= 0) return resolve(this.radio.table());
        this.request(l, () => 0, step, reject);
      };
      step();
    });
  }

  private lookup(serviceUuid: string, charUuid: string) {
    try {
      return this.radio.findChar(serviceUuid, charUuid);
    } catch {
      return undefined;
    }
  }

  read(serviceUuid: string, charUuid: string): Promise<Uint8Array> {
    const c = this.lookup(serviceUuid, charUuid);
    if (!c) return Promise.reject({ reason: "NOT_FOUND", message: `no characteristic ${charUuid} in ${serviceUuid}` } satisfies LinkRejection);
    return this.readHandle(c.valueHandle);
  }

  /** ATT Read, then Read Blob while responses fill MTU-1 bytes (a long read). */
  readHandle(handle: number): Promise<Uint8Array> {
    return this.op<Uint8Array>((resolve, reject) => {
      const l = this.needLink(reject);
      if (!l) return;
      const parts: Uint8Array[] = [];
      let offset = 0;
      const step = () =>
        this.request(
          l,
          (link) => this.radio.attRead(link, handle, offset),
          (ans) => {
            if (!(ans instanceof Uint8Array)) return reject(attReject(ans.attError));
            parts.push(ans);
            offset += ans.length;
            if (ans.length === l.mtu - 1) return step();
            const out = new Uint8Array(offset);
            let o = 0;
            for (const p of parts) {
              out.set(p, o);
              o += p.length;
            }
            resolve(out);
          },
          reject,
        );
      step();
    });
  }

  write(serviceUuid: string, charUuid: string, data: Bytes, opts: { withResponse?: boolean } = {}): Promise<void> {
    const c = this.lookup(serviceUuid, charUuid);
    if (!c) return Promise.reject({ reason: "NOT_FOUND", message: `no characteristic ${charUuid} in ${serviceUuid}` } satisfies LinkRejection);
    return this.writeHandle(c.valueHandle, data, opts);
  }

  /** Write Request (rejects with {attError}), Write Command (withResponse:false: errors are silent), or a long
   *  write (Prepare Write requests of MTU-5 bytes, then Execute) when the data exceed MTU-3 bytes. */
  writeHandle(handle: number, data: Bytes, opts: { withResponse?: boolean } = {}): Promise<void> {
    const bytes = u8(data);
    const withResponse = opts.withResponse ?? true;
    return this.op<void>((resolve, reject) => {
      const l = this.needLink(reject);
      if (!l) return;
      if (!withResponse) {
        if (bytes.length > l.mtu - 3) return reject({ reason: "NOT_SUPPORTED", message: `a Write Command carries at most ${l.mtu - 3} bytes` });
        l.requests.push({
          run: () => {
            this.radio.attWrite(l, handle, bytes, true);
            resolve();
          },
          done: null,
          fail: reject,
        });
        this.radio.kick(l);
        return;
      }
      if (bytes.length > l.mtu - 3) {
        // A long write (Prepare Write Requests, then Execute). 2v29 answers the SoftDevice's
        // BLE_EVT_USER_MEM_REQUEST with sd_ble_user_mem_reply(NULL) (targets/nrf5x/bluetooth.c) and its
        // BLE_GATTS_EVT_WRITE handler ignores the op and offset, so a queued write never arrives whole: the
        // simulator refuses the first Prepare Write (Request Not Supported). Not verified on hardware whether
        // S132 v3 refuses it or hands the pieces on one by one; the write fails either way.
        this.request(l, () => 0, () => reject(attReject(ATT_ERR.REQUEST_NOT_SUPPORTED)), reject);
        return;
      }
      const step = () => {
        this.request(
          l,
          (link) => this.radio.attWrite(link, handle, bytes, false),
          (code) => (code ? reject(attReject(code)) : resolve()),
          reject,
        );
      };
      step();
    });
  }

  /** Enables notifications (or indications: `indicate:true`, default when the characteristic cannot notify)
   *  by writing the CCCD. onValue gets each value in order; indications are confirmed automatically. */
  subscribe(
    serviceUuid: string,
    charUuid: string,
    onValue: (value: Uint8Array, indication: boolean) => void,
    opts: { indicate?: boolean } = {},
  ): Promise<void> {
    const c = this.lookup(serviceUuid, charUuid);
    if (!c) return Promise.reject({ reason: "NOT_FOUND", message: `no characteristic ${charUuid} in ${serviceUuid}` } satisfies LinkRejection);
    const cccd = c.cccdHandle;
    if (cccd === undefined) return Promise.reject({ reason: "NOT_SUPPORTED", message: `${charUuid} has neither notify nor indicate` } satisfies LinkRejection);
    const indicate = opts.indicate ?? !c.props.notify;
    return this.op<void>((resolve, reject) => {
      const l = this.needLink(reject);
      if (!l) return;
      this.subs.set(c.valueHandle, onValue);
      this.request(
        l,
        (link) => this.radio.attWrite(link, cccd, Uint8Array.from([indicate ? 2 : 1, 0]), false),
        (code) => {
          if (code) {
            this.subs.delete(c.valueHandle);
            return reject(attReject(code));
          }
          resolve();
        },
        reject,
      );
    });
  }

  unsubscribe(serviceUuid: string, charUuid: string): Promise<void> {
    const c = this.lookup(serviceUuid, charUuid);
    if (!c || c.cccdHandle === undefined) return Promise.resolve();
    const cccd = c.cccdHandle;
    return this.op<void>((resolve, reject) => {
      const l = this.needLink(reject);
      if (!l) return;
      this.request(
        l,
        (link) => this.radio.attWrite(link, cccd, Uint8Array.from([0, 0]), false),
        (code) => {
          this.subs.delete(c.valueHandle);
          if (code) reject(attReject(code));
          else resolve();
        },
        reject,
      );
    });
  }
}

export { ATT_ERR };
