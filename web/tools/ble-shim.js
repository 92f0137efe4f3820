// navigator.bluetooth for a test browser (injected by ble-bridge.ts before the page's scripts): every call goes
// to Node through the __pencapBle binding; notifications and disconnections come back through __pencapNotify.
(() => {
  const call = async (op, ...args) => {
    const r = await window.__pencapBle(op, JSON.stringify(args));
    if (r.error) throw new DOMException(r.error.message, r.error.name);
    return r.value;
  };
  const fromHex = (h) => Uint8Array.from(h.match(/../g) ?? [], (x) => parseInt(x, 16));
  const toHex = (b) => {
    const u = b instanceof ArrayBuffer ? new Uint8Array(b) : new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
    return Array.from(u, (x) => x.toString(16).padStart(2, "0")).join("");
  };
  const chars = new Map();
  let device = null;
  class Characteristic extends EventTarget {
    constructor(service, uuid) {
      super();
      this.service = service;
      this.uuid = uuid;
      this.value = null;
    }
    async readValue() {
      this.value = new DataView(fromHex(await call("read", this.service.uuid, this.uuid)).buffer);
      return this.value;
    }
    async writeValueWithResponse(b) {
      await call("write", this.service.uuid, this.uuid, toHex(b), true);
    }
    async writeValueWithoutResponse(b) {
      await call("write", this.service.uuid, this.uuid, toHex(b), false);
    }
    async startNotifications() {
      await call("subscribe", this.service.uuid, this.uuid);
      return this;
    }
  }
  class Service {
    constructor(uuid) {
      this.uuid = uuid;
    }
    async getCharacteristic(uuid) {
      const key = this.uuid + "/" + uuid;
      let c = chars.get(key);
      if (!c) {
        c = new Characteristic(this, uuid);
        chars.set(key, c);
      }
      return c;
    }
  }
  class Server {
    constructor(dev) {
      this.device = dev;
      this.connected = false;
    }
    async connect() {
      await call("connect");
      this.connected = true;
      return this;
    }
    disconnect() {
      void call("disconnect");
    }
    async getPrimaryService(uuid) {
      return new Service(uuid);
    }
  }
  class Device extends EventTarget {
    constructor(id, name) {
      super();
      this.id = id;
      this.name = name;
      this.gatt = new Server(this);
    }
  }
  window.__pencapNotify = (batch) => {
    for (const n of batch) {
      if (n.kind === "value") {
        const c = chars.get(n.svc + "/" + n.chr);
        if (!c) continue;
        c.value = new DataView(fromHex(n.hex).buffer);
        c.dispatchEvent(new Event("characteristicvaluechanged"));
      } else if (device) {
        device.gatt.connected = false;
        chars.clear();
        device.dispatchEvent(new Event("gattserverdisconnected"));
      }
    }
  };
  const bluetooth = {
    async getAvailability() {
      return true;
    },
    async requestDevice(options) {
      const d = await call("requestDevice", options);
      device = new Device(d.id, d.name);
      return device;
    },
  };
  Object.defineProperty(navigator, "bluetooth", { value: bluetooth, configurable: true });
})();
