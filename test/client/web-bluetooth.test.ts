// The Web Bluetooth transport against a minimal mock of the browser API that forwards to the fake cap.
import { describe, expect, it } from "vitest";
import { WebBluetoothTransport } from "../../client/web-bluetooth";
import { PenCapClient } from "../../client/client";
import { RecordStore } from "../../client/store";
import { sync } from "../../client/sync";
import { FakeCap, FakeCentral } from "./fake-central";
import { mockBluetooth } from "./mock-bluetooth";
import { exampleLog } from "../ble/fixture";

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
