// A minimal mock of the browser's navigator.bluetooth that forwards to a fake cap's central (shared by the Web
// Bluetooth transport test and the CLI's pull test).
import type { FakeCentral } from "./fake-central";

export function mockBluetooth(central: FakeCentral, requested: unknown[]): Bluetooth {
  const dev = new EventTarget() as BluetoothDevice & EventTarget;
  const server = {
    connected: false,
    async getPrimaryService(s: string) {
      return {
        async getCharacteristic(c: string) {
          const ch = new EventTarget() as BluetoothRemoteGATTCharacteristic & { value?: DataView };
          Object.assign(ch, {
            async readValue() {
              const v = await central.read(s, c);
              return new DataView(v.buffer, v.byteOffset, v.byteLength);
            },
            async writeValueWithResponse(d: Uint8Array) {
              try {
                await central.write(s, c, d, { withResponse: true });
              } catch {
                throw new DOMException("GATT operation not permitted", "SecurityError");
              }
            },
            async startNotifications() {
              await central.subscribe(s, c, (d) => {
                ch.value = new DataView(d.buffer, d.byteOffset, d.byteLength);
                ch.dispatchEvent(new Event("characteristicvaluechanged"));
              });
              return ch;
            },
          });
          return ch;
        },
      };
    },
    async connect() {
      await central.connect({ mtu: 23, bonded: true, intervalMs: 30, notificationsPerEvent: 4 });
      return server;
    },
    disconnect() {
      central.dropLink();
    },
  };
  Object.assign(dev, { gatt: server, id: "x", name: "PenCap-0001" });
  central.onDisconnect(() => dev.dispatchEvent(new Event("gattserverdisconnected")));
  return {
    async requestDevice(o: unknown) {
      requested.push(o);
      return dev;
    },
  } as unknown as Bluetooth;
}
