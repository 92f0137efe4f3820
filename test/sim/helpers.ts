import { SimDevice, type SimDeviceOptions } from "../../sim/device.js";

/** A powered-on device running a small bundle of our own. */
export function deviceWith(bundle: string, opts: SimDeviceOptions = {}): SimDevice {
  const d = new SimDevice({ bundle, ...opts });
  d.powerOn();
  return d;
}

export function outputText(d: SimDevice): string[] {
  return d.output.map((l) => l.text);
}
