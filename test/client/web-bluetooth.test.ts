// The Web Bluetooth transport against a minimal mock of the browser API that forwards to the fake cap.
import { describe, expect, it } from "vitest";
import { WebBluetoothTransport } from "../../client/web-bluetooth";
import { PenCapClient } from "../../client/client";
import { RecordStore } from "../../client/store";
import { sync } from "../../client/sync";
import { FakeCap, FakeCentral } from "./fake-central";
import { exampleLog } from "../ble/fixture";

function mockBluetooth(central: FakeCentral, requested: unknown[]): Bluetooth {
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

describe("WebBluetoothTransport", () => {
  it("requests the pen cap service and syncs through the browser API", async () => {
    const requested: unknown[] = [];
    const central = new FakeCentral(new FakeCap("PC-0001", exampleLog()));
    const client = new PenCapClient(new WebBluetoothTransport(mockBluetooth(central, requested)));
    await client.open();
    expect(requested).toEqual([{ filters: [{ services: ["bd635a9b-a865-4781-94c2-0cef8c1bf40b"] }], optionalServices: ["0000180a-0000-1000-8000-00805f9b34fb", "0000180f-0000-1000-8000-00805f9b34fb"] }]);
    const store = new RecordStore(client.serial);
    expect(await sync(client, store)).toMatchObject({ received: 5, complete: true });
    expect(client.serial).toBe("PC-0001");
  });
});
