// Web Bluetooth in a test browser, bridged to the simulated cap: an injected navigator.bluetooth whose calls
// reach Node through page.exposeBinding, where a SimCentral (sim/ble, a new phone) talks to the firmware bundle
// running in the simulator. The page runs the app's real client (client/web-bluetooth.ts, client.ts, sync.ts);
// only the browser's Bluetooth stack is replaced, by the simulator's radio.
//
// Virtual time: while the phone is connected or a call is pending, a pump advances the simulator's clock in
// small steps (STEP_S of virtual time per few ms of real time) and hands queued notifications to the page in
// the order the radio delivered them. Pairing is done as the OS does it for Web Bluetooth: when a write is
// refused for lack of authentication (ATT 0x05 / 0x0F), the "OS" opens its pairing dialog, the user types the
// passkey printed on the cap (`passkey`: the answer, or a function playing the user), the OS pairs (LESC passkey
// entry, MITM) and retries once; a refused or cancelled pairing reaches the page as a SecurityError DOMException,
// as in Chrome.
import { fileURLToPath } from "node:url";
import type { Page } from "playwright-core";
import type { SimCentral } from "../../sim/ble/index.js";
import type { SimulatedCap } from "./sim-cap.js";

const STEP_S = 0.05;

type Note = { kind: "value"; svc: string; chr: string; hex: string } | { kind: "disconnected" };

const toHex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
const fromHex = (h: string) => Uint8Array.from(h.match(/../g) ?? [], (x) => parseInt(x, 16));

export interface BridgeOptions {
  /** What the user types into the OS pairing dialog: the cap's label passkey, or a function asked each time the
   *  dialog opens (undefined: the user cancels). Absent: the OS has no passkey to enter (a Just Works attempt,
   *  which the cap refuses). */
  passkey?: string | (() => string | undefined | Promise<string | undefined>);
  /** ATT_MTU the browser's stack asks for (Chrome on Linux: 517; the cap allows up to 53). */
  mtu?: number;
}

export interface Bridge {
  /** The phone the browser is, once requestDevice ran. */
  central(): SimCentral | undefined;
  /** Calls from the page, in order ("connect", "write RACP 0101", …): for assertions. */
  readonly log: string[];
  stop(): void;
}

export async function installBleBridge(page: Page, cap: SimulatedCap, opts: BridgeOptions = {}): Promise<Bridge> {
  const clock = cap.device.clock;
  let central: SimCentral | undefined;
  let pending = 0;
  let stopped = false;
  const queue: Note[] = [];
  const log: string[] = [];
  const subscribed = new Set<string>();

  const wait = async <T>(p: Promise<T>): Promise<T> => {
    pending++;
    try {
      return await p;
    } finally {
      pending--;
    }
  };
  const phone = () => {
    if (!central) throw { name: "NetworkError", message: "no device chosen" };
    return central;
  };
  const attOf = (e: unknown) => (e && typeof e === "object" && "attError" in e ? Number((e as { attError: unknown }).attError) : undefined);

  /** As the OS does for Web Bluetooth: a request refused for lack of authentication pairs, then retries once. */
  async function authed<T>(request: () => Promise<T>): Promise<T> {
    try {
      return await wait(request());
    } catch (e) {
      const att = attOf(e);
      if ((att !== 0x05 && att !== 0x0f) || phone().isBonded()) throw { name: "NetworkError", message: `GATT operation failed (ATT 0x${(att ?? 0x0e).toString(16)})` };
      log.push("pair");
      let passkey: string | undefined;
      if (typeof opts.passkey === "function") {
        log.push("passkey prompt");
        passkey = await opts.passkey();
        if (passkey === undefined) throw { name: "SecurityError", message: "GATT operation failed for security reasons (pairing cancelled)" };
      } else passkey = opts.passkey;
      try {
        await wait(phone().pair({ passkey }));
      } catch (p) {
        throw { name: "SecurityError", message: `GATT operation failed for security reasons (pairing refused: ${(p as { message?: string }).message ?? String(p)})` };
      }
      return await wait(request());
    }
  }

  async function op(name: string, args: unknown[]): Promise<unknown> {
    switch (name) {
      case "requestDevice": {
        // The chooser lists devices advertising the filtered service (the cap's service UUID).
        const svc = ((args[0] as { filters?: { services?: string[] }[] })?.filters?.[0]?.services?.[0] ?? "").toLowerCase();
        const scan = cap.radio.radio.scan();
        const norm = (u: string) => u.toLowerCase().replace(/-/g, "");
        if (!scan || !scan.connectable || (svc && !scan.serviceUuids.some((u) => norm(u) === norm(svc)))) throw { name: "NotFoundError", message: "User cancelled the requestDevice() chooser." };
        if (!central) {
          central = cap.radio.radio.central({ address: "c0:ff:ee:00:00:01 random" });
          central.onDisconnect(() => queue.push({ kind: "disconnected" }));
        }
        const name = scan.name ?? "cap";
        return { id: "sim-cap", name };
      }
      case "connect":
        subscribed.clear();
        await wait(phone().connect({ mtu: opts.mtu ?? 23, intervalMs: 30, notificationsPerEvent: 4 }));
        return null;
      case "disconnect":
        if (phone().connected) await wait(phone().disconnect());
        return null;
      case "discover":
        return null;
      case "read":
        return toHex(await authed(() => phone().read(String(args[0]), String(args[1]))));
      case "write": {
        const data = fromHex(String(args[2]));
        await authed(() => phone().write(String(args[0]), String(args[1]), data, { withResponse: !!args[3] }));
        return null;
      }
      case "subscribe": {
        const svc = String(args[0]);
        const chr = String(args[1]);
        if (subscribed.has(svc + "/" + chr)) return null;
        subscribed.add(svc + "/" + chr);
        await authed(() => phone().subscribe(svc, chr, (v) => queue.push({ kind: "value", svc, chr, hex: toHex(v) })));
        return null;
      }
    }
    throw { name: "NotSupportedError", message: `unknown call ${name}` };
  }

  await page.exposeBinding("__pencapBle", async (_src, name: string, argsJson: string) => {
    const args = JSON.parse(argsJson) as unknown[];
    log.push(`${name}${name === "write" ? ` ${String(args[1]).slice(4, 8)} ${args[2]}` : ""}`);
    try {
      return { value: await op(name, args) };
    } catch (e) {
      const o = (e ?? {}) as { name?: string; message?: string; reason?: string };
      return { error: { name: o.name ?? "NetworkError", message: o.message ?? o.reason ?? String(e) } };
    }
  });
  await page.addInitScript({ path: fileURLToPath(new URL("./ble-shim.js", import.meta.url)) });

  // The pump: virtual time runs while the browser's phone is connected or waits for the radio.
  void (async () => {
    while (!stopped) {
      await new Promise((r) => setTimeout(r, pending > 0 || central?.connected ? 2 : 20));
      if (pending > 0 || central?.connected) clock.advance(STEP_S);
      if (queue.length && !page.isClosed()) {
        const batch = queue.splice(0);
        await page.evaluate((b) => (window as unknown as { __pencapNotify(b: unknown[]): void }).__pencapNotify(b), batch).catch(() => undefined);
      }
    }
  })();

  return {
    central: () => central,
    log,
    stop: () => {
      stopped = true;
    },
  };
}
