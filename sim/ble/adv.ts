// Advertising payloads as Espruino builds them (https://www.espruino.com/Reference#l_NRF_setAdvertising and
// _jswrap_ble_getAdvertisingDataRaw in libs/bluetooth/jswrap_bluetooth.c), within the 31-byte legacy
// advertising PDU (Core Spec v5.3 Vol 6 Part B 2.3.1.1: AdvData 0..31 octets). AD types from the
// Bluetooth Assigned Numbers ("Common Data Types"): 0x01 flags, 0x03 complete 16-bit UUIDs,
// 0x07 complete 128-bit UUIDs, 0x08 shortened name, 0x09 complete name, 0x16 service data, 0xFF manufacturer.
import { toBytes } from "./bytes.js";
import { parseUuid, parseUuidKey, uuidAlias16, uuidBytes, uuidFromBytes } from "./uuid.js";

export const MAX_ADV_DATA = 31;
/** Espruino's registered company identifier, advertised by default since 2v26. */
export const ESPRUINO_COMPANY_ID = 0x0590;
const MAX_SERVICE_UUIDS = 8; // ESPR_MAX_SERVICE_UUIDS

export const AD = { FLAGS: 0x01, UUID16: 0x03, UUID128: 0x07, SHORT_NAME: 0x08, NAME: 0x09, SERVICE_DATA: 0x16, MANUFACTURER: 0xff };

/** An Espruino-style exception (message text as the interpreter prints it). */
export class NrfError extends Error {}

class Builder {
  bytes: number[] = [];
  add(what: string, type: number, data: Uint8Array | number[], prefix?: number): void {
    const extra = prefix === undefined ? 2 : 4;
    if (this.bytes.length + data.length + extra > MAX_ADV_DATA) throw new NrfError(`Advertising data too long when adding ${what}`);
    this.bytes.push(data.length + extra - 1, type);
    if (prefix !== undefined) this.bytes.push(prefix & 0xff, (prefix >> 8) & 0xff);
    for (const b of data) this.bytes.push(b);
  }
}

export interface AdvContext {
  deviceName: string;
}

/** Builds the packet NRF.setAdvertising(data, options) would send for object/undefined data. Throws NrfError. */
export function buildAdvertising(data: unknown, options: Record<string, unknown> | undefined, ctx: AdvContext, forSetAdvertising: boolean): Uint8Array {
  const o = options ?? {};
  let showName = true;
  let flags = true;
  let flagsValue = 0x06; // LE General Discoverable, BR/EDR not supported
  let manufacturer = forSetAdvertising;
  let companyId = ESPRUINO_COMPANY_ID;
  let name = ctx.deviceName;
  if (o.showName !== undefined) showName = !!o.showName;
  if (typeof o.name === "string") name = o.name;
  if (o.flags !== undefined && !o.flags) flags = false;
  if (o.discoverable !== undefined) flagsValue = o.discoverable ? 0x06 : 0x05;
  const manufacturerData = o.manufacturerData !== undefined ? toBytes(o.manufacturerData) : null;
  if (o.manufacturer !== undefined) {
    if (!o.manufacturer) manufacturer = false;
    else {
      manufacturer = true;
      companyId = Number(o.manufacturer) & 0xffff;
    }
  }
  const b = new Builder();
  if (flags) b.add("flags", AD.FLAGS, [flagsValue]);
  const u16: string[] = [];
  const u128: string[] = [];
  if (data !== undefined && data !== null) {
    if (typeof data !== "object") throw new NrfError(`Expecting Object, Array or undefined, got ${typeof data}`);
    for (const key of Object.keys(data)) {
      let uuid: string;
      try {
        uuid = parseUuidKey(key);
      } catch (e) {
        throw new NrfError(`Invalid Service UUID: ${(e as Error).message}`);
      }
      const v = (data as Record<string, unknown>)[key];
      if (v === undefined) {
        const list = uuid.length === 4 ? u16 : u128;
        if (list.length >= MAX_SERVICE_UUIDS) throw new NrfError(`Too many ${uuid.length === 4 ? 16 : 128} bit UUIDs\n`);
        list.push(uuid);
      } else {
        b.add("Service", AD.SERVICE_DATA, toBytes(v) ?? new Uint8Array(0), uuidAlias16(uuid));
      }
    }
  }
  if (u16.length) b.add("16 bit Service", AD.UUID16, concat(u16.map(uuidBytes)));
  if (u128.length) b.add("128 bit Service", AD.UUID128, concat(u128.map(uuidBytes)));
  if (manufacturer) b.add("Manufacturer data", AD.MANUFACTURER, manufacturerData ?? new Uint8Array(0), companyId);
  if (showName && name.length > 0) {
    let nameBytes = toBytes(name)!;
    let type = AD.NAME;
    if (nameBytes.length + b.bytes.length + 2 > MAX_ADV_DATA) {
      const room = MAX_ADV_DATA - 2 - b.bytes.length;
      if (room < 0) throw new NrfError("Advertising data too long when adding Name");
      nameBytes = nameBytes.slice(0, room);
      type = AD.SHORT_NAME;
    }
    b.add("Name", type, nameBytes);
  }
  return Uint8Array.from(b.bytes);
}

/** Scan response Espruino builds when none was set: complete UUID lists of NUS/advertised services. */
export function buildDefaultScanResponse(uuids: string[]): Uint8Array {
  const b = new Builder();
  const u16 = uuids.filter((u) => u.length === 4);
  const u128 = uuids.filter((u) => u.length !== 4);
  if (u16.length) b.add("16 bit Service", AD.UUID16, concat(u16.map(uuidBytes)));
  if (u128.length) b.add("128 bit Service", AD.UUID128, concat(u128.map(uuidBytes)));
  return Uint8Array.from(b.bytes);
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** What a phone's scanner decodes from an advertising packet plus scan response. */
export interface ScanRecord {
  name?: string;
  shortName?: boolean;
  flags?: number;
  serviceUuids: string[];
  serviceData: Record<string, Uint8Array>;
  manufacturerData: Record<number, Uint8Array>;
  advertising: Uint8Array;
  scanResponse: Uint8Array;
  connectable: boolean;
  intervalMs: number;
  txPowerDbm: number;
}

export function parseAdStructures(
  bytes: Uint8Array,
  into: Pick<ScanRecord, "serviceUuids" | "serviceData" | "manufacturerData" | "name" | "flags" | "shortName">,
): void {
  let i = 0;
  while (i < bytes.length) {
    const len = bytes[i];
    if (len === 0 || i + 1 + len > bytes.length) break; // malformed tail: a scanner stops here
    const type = bytes[i + 1];
    const d = bytes.slice(i + 2, i + 1 + len);
    if (type === AD.FLAGS) into.flags = d[0];
    else if (type === 0x02 || type === AD.UUID16) for (let k = 0; k + 1 < d.length; k += 2) into.serviceUuids.push(uuidFromBytes(d.slice(k, k + 2)));
    else if (type === 0x06 || type === AD.UUID128) for (let k = 0; k + 15 < d.length; k += 16) into.serviceUuids.push(uuidFromBytes(d.slice(k, k + 16)));
    else if (type === AD.NAME || type === AD.SHORT_NAME) {
      into.name = String.fromCharCode(...d);
      into.shortName = type === AD.SHORT_NAME;
    } else if (type === AD.SERVICE_DATA && d.length >= 2) into.serviceData[parseUuid((d[1] << 8 | d[0]) & 0xffff)] = d.slice(2);
    else if (type === AD.MANUFACTURER && d.length >= 2) into.manufacturerData[d[0] | (d[1] << 8)] = d.slice(2);
    i += 1 + len;
  }
}
