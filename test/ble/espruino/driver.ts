// A RACP exchange against an in-memory log, bundled (esbuild --bundle --format=iife) and run both by Node
// and by the Espruino interpreter: the printed packets must be identical. Imports firmware/ only and is
// written in the language subset Espruino runs.
import { BleEngine, UPD_BATTERY } from "../../../firmware/ble/engine";
import { LogPort } from "../../../firmware/ble/ports";
import { CH_CONFIG, CH_RACP, CH_STATUS, CH_TIME } from "../../../firmware/ble/uuids";
import { defaultConfig } from "../../../firmware/config/config";

function crc32(b: Uint8Array, n: number): number {
  let c = 0xffffffff;
  for (let i = 0; i < n; i++) {
    c ^= b[i];
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

class ArrayLog implements LogPort {
  buf = new Uint8Array(64 * 16);
  n = 0;
  capacity = 64;
  append(type: number, flags: number, time: number, a: number, b: number): number {
    const o = this.n * 16;
    const r = this.buf;
    const seq = this.n;
    r[o] = seq & 255; r[o + 1] = (seq >> 8) & 255; r[o + 2] = 0; r[o + 3] = 0;
    r[o + 4] = time & 255; r[o + 5] = (time >>> 8) & 255; r[o + 6] = (time >>> 16) & 255; r[o + 7] = (time >>> 24) & 255;
    r[o + 8] = type; r[o + 9] = flags;
    r[o + 10] = a & 255; r[o + 11] = a >> 8; r[o + 12] = b & 255; r[o + 13] = b >> 8;
    let c = crc32(r.subarray(o, o + 14), 14) & 0xffff;
    if (c === 0xffff) c = 0;
    r[o + 14] = c & 255; r[o + 15] = c >> 8;
    this.n++;
    return seq;
  }
  readFrom(seq: number, out: Uint8Array): number {
    if (seq < 0) seq = 0;
    if (seq >= this.n) return -1;
    out.set(this.buf.subarray(seq * 16, seq * 16 + 16));
    return seq;
  }
  readMany(seq: number, out: Uint8Array, max: number): number {
    if (seq < 0) seq = 0;
    let k = 0;
    while (k < max && seq + k < this.n) {
      out.set(this.buf.subarray((seq + k) * 16, (seq + k) * 16 + 16), k * 16);
      k++;
    }
    return k;
  }
  count(): number { return this.n; }
  oldestSeq(): number { return this.n ? 0 : -1; }
  newestSeq(): number { return this.n - 1; }
}

function memUsage(): number {
  const p = (globalThis as unknown as { process?: { memory?: () => { usage: number } } }).process;
  return p && p.memory ? p.memory().usage : 0;
}
function hex(d: Uint8Array): string {
  let s = "";
  for (let i = 0; i < d.length; i++) s += (d[i] < 16 ? "0" : "") + d[i].toString(16) + (i + 1 < d.length ? " " : "");
  return s;
}
function bytes(s: string): Uint8Array {
  const p = s.split(" ");
  const out = new Uint8Array(s.length ? p.length : 0);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(p[i], 16);
  return out;
}

const log = new ArrayLog();
log.append(7, 0, 0, 1, 1);
log.append(1, 0x10, 35, 6, 0xff15);
log.append(6, 0, 1764000000, 120, 0);
log.append(1, 0x10, 1764003600, 8, 0x0c16);
log.append(2, 0x10, 1764003700, 1, 0xff16);
let room = 2;
let t = 1764003800;
let stored: Uint8Array | undefined;
function out(kind: string, ch: number, d: Uint8Array): boolean {
  if (room <= 0) return false;
  room--;
  console.log(kind + " " + ch + " " + hex(d));
  return true;
}
const memBefore = memUsage();
const engine = new BleEngine({
  log: log,
  // The engine indicates on the RACP only and notifies on Records and Status only (ports.ts Send).
  send: function (ch: number, d: Uint8Array) { return out(ch === CH_RACP ? "I" : "N", ch, d); },
  clock: { now: function () { return t; }, set: function (v: number) { t = v; } },
  store: { load: function () { return stored; }, save: function (b: Uint8Array) { stored = new Uint8Array(b); } },
});
const engineVars = memUsage() - memBefore;
engine.update(UPD_BATTERY, 87);
engine.link(53);
engine.trusted = true;
engine.capConfirmed = true; // the delete below needs the cap in hand (the pairing window)
function w(ch: number, s: string): void {
  console.log("> " + ch + " " + s);
  const att = engine.write(ch, bytes(s));
  if (att) console.log("att " + att);
  for (let i = 0; i < 20; i++) {
    room = 2; // the radio takes two packets per connection event
    engine.racp.pump();
  }
}
w(CH_RACP, "01 01");
w(CH_RACP, "04 01");
w(CH_RACP, "01 04 01 01 00 00 00 03 00 00 00");
w(CH_RACP, "a1 00 01 00 00 00 08");
w(CH_RACP, "02 02 01 02 00 00 00");
w(CH_RACP, "01 01");
w(CH_RACP, "01 07");
w(CH_RACP, "");
w(CH_TIME, "3c 90 24 69");
const cfg = defaultConfig(new Uint8Array(28));
cfg[1] = 1;
w(CH_CONFIG, hex(cfg));
cfg[6] = 50;
w(CH_CONFIG, hex(cfg));
console.log("status " + hex(engine.value(CH_STATUS)));
console.log("time " + hex(engine.value(CH_TIME)));
console.log("config " + hex(engine.value(CH_CONFIG)));
console.log("adv " + hex(engine.advertising()));
engine.trusted = false;
w(CH_RACP, "02 01");
console.log("count " + log.count());
// Only the interpreter has process.memory(): a figure for the report, left out of the comparison.
const pm = (globalThis as unknown as { process?: { memory?: () => { usage: number; total: number } } }).process;
if (pm && pm.memory) console.log("mem " + JSON.stringify(pm.memory()));
if (engineVars > 0) console.log("mem engine " + engineVars + " vars (BleEngine + Racp after init)");
