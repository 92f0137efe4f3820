// Transport over the simulator's central (sim/ble). Written against a structural interface with exactly the
// members the simulator provides, so client/ does not import sim/.
import type { Transport } from "./transport";

export interface SimCentralLike {
  connect(opts: { mtu: number; bonded: boolean; intervalMs: number; notificationsPerEvent: number }): Promise<void>;
  pair(opts: { passkey?: string }): Promise<void>;
  disconnect(): Promise<void>;
  read(serviceUuid: string, charUuid: string): Promise<Uint8Array>;
  write(serviceUuid: string, charUuid: string, data: Uint8Array, opts: { withResponse: boolean }): Promise<void>;
  subscribe(serviceUuid: string, charUuid: string, onValue: (data: Uint8Array) => void): Promise<void>;
  onDisconnect(cb: () => void): void;
  dropLink(): void;
  readonly mtu: number;
  /** The simulator's clock (seconds): the client's time limits run in virtual time. */
  after?(seconds: number, fn: () => void): () => void;
}

export interface SimConnectOptions {
  mtu: number;
  bonded: boolean;
  intervalMs: number;
  notificationsPerEvent: number;
  /** Pair (with this passkey, if any) right after connecting, when not bonded yet. */
  pair?: { passkey?: string };
}

export class SimTransport implements Transport {
  constructor(readonly central: SimCentralLike, readonly opts: SimConnectOptions) {}
  get mtu(): number {
    return this.central.mtu;
  }
  timer(ms: number, fn: () => void): () => void {
    return this.central.after ? this.central.after(ms / 1000, fn) : () => undefined;
  }
  async connect(): Promise<void> {
    await this.central.connect({ mtu: this.opts.mtu, bonded: this.opts.bonded, intervalMs: this.opts.intervalMs, notificationsPerEvent: this.opts.notificationsPerEvent });
    if (this.opts.pair && !this.opts.bonded) await this.central.pair(this.opts.pair);
  }
  disconnect(): Promise<void> {
    return this.central.disconnect();
  }
  read(service: string, char: string): Promise<Uint8Array> {
    return this.central.read(service, char);
  }
  write(service: string, char: string, data: Uint8Array, withResponse: boolean): Promise<void> {
    return this.central.write(service, char, data, { withResponse });
  }
  subscribe(service: string, char: string, onValue: (d: Uint8Array) => void): Promise<void> {
    return this.central.subscribe(service, char, onValue);
  }
  onDisconnect(cb: () => void): void {
    this.central.onDisconnect(cb);
  }
}
