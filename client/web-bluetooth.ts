// Transport over Web Bluetooth (browsers; types from @types/web-bluetooth).
import type { Transport } from "./transport";
import { BAS, DIS, SERVICE } from "./protocol";

export class WebBluetoothTransport implements Transport {
  private device: BluetoothDevice | undefined;
  private server: BluetoothRemoteGATTServer | undefined;
  private chars = new Map<string, BluetoothRemoteGATTCharacteristic>();
  private disconnectCbs: (() => void)[] = [];
  /** Web Bluetooth does not expose the negotiated MTU; 23 is the safe assumption. */
  readonly mtu = 23;
  timer(ms: number, fn: () => void): () => void {
    const id = setTimeout(fn, ms);
    return () => clearTimeout(id);
  }

  constructor(private readonly bluetooth: Bluetooth = navigator.bluetooth) {}

  async connect(): Promise<void> {
    if (!this.device) {
      this.device = await this.bluetooth.requestDevice({ filters: [{ services: [SERVICE] }], optionalServices: [DIS, BAS] });
      this.device.addEventListener("gattserverdisconnected", () => {
        this.chars.clear();
        for (const cb of this.disconnectCbs) cb();
      });
    }
    if (!this.device.gatt) throw new Error("device has no GATT server");
    this.server = await this.device.gatt.connect();
  }
  async disconnect(): Promise<void> {
    this.server?.disconnect();
  }
  private async char(service: string, char: string): Promise<BluetoothRemoteGATTCharacteristic> {
    const key = service + "/" + char;
    let c = this.chars.get(key);
    if (!c) {
      if (!this.server) throw new Error("not connected");
      c = await (await this.server.getPrimaryService(service)).getCharacteristic(char);
      this.chars.set(key, c);
    }
    return c;
  }
  async read(service: string, char: string): Promise<Uint8Array> {
    const v = await (await this.char(service, char)).readValue();
    return new Uint8Array(v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength));
  }
  async write(service: string, char: string, data: Uint8Array, withResponse: boolean): Promise<void> {
    const c = await this.char(service, char);
    const buf = new Uint8Array(data); // a copy backed by a plain ArrayBuffer
    try {
      if (withResponse) await c.writeValueWithResponse(buf);
      else await c.writeValueWithoutResponse(buf);
    } catch (e) {
      // Browsers report ATT errors as DOMExceptions ("NotAllowedError"/"SecurityError" for authentication).
      throw { attError: e instanceof DOMException && (e.name === "SecurityError" || e.name === "NotAllowedError") ? 0x05 : 0x0e, cause: e };
    }
  }
  async subscribe(service: string, char: string, onValue: (d: Uint8Array) => void): Promise<void> {
    const c = await this.char(service, char);
    c.addEventListener("characteristicvaluechanged", () => {
      const v = c.value;
      if (v) onValue(new Uint8Array(v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength)));
    });
    await c.startNotifications();
  }
  onDisconnect(cb: () => void): void {
    this.disconnectCbs.push(cb);
  }
}
