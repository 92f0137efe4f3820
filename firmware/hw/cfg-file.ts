// The config file "pencap.cfg" in Storage (layout: firmware/config/cfgfile.ts, docs/config.md "In flash"):
// read at boot, and one slot appended per change into the erased part of the file flash.sh pre-allocated.
// Never a new Storage file: a header written in the field can land in Storage's last page, where a power cut
// in it makes the interpreter erase Storage whole (docs/log-format.md "No Storage churn in the field").
import { fwError } from "../errors";
import { CfK, cfgScan, cfgSeal } from "../config/cfgfile";

declare function require(name: string): any;

export const CONFIG_FILE = "pencap.cfg";

/** The whole file as a view of flash (readArrayBuffer is memory-mapped on nRF52: no RAM copy), or undefined. */
function cfgRead(): Uint8Array | undefined {
  const mod = "Storage"; // a module name in a variable: esbuild leaves Espruino's require() alone
  const b = require(mod).readArrayBuffer(CONFIG_FILE);
  return b ? new Uint8Array(b) : undefined;
}

/**
 * The newest valid payload of `kind` (28 bytes, a view of flash), or undefined. A 28-byte file is the config
 * block of an older flash.sh (a cap flashed before the file was pre-allocated): read, never written.
 */
export function cfgLoad(kind: number): Uint8Array | undefined {
  const f = cfgRead();
  if (f && f.length === CfK.PAYLOAD) return kind === CfK.KIND_CONFIG ? f : undefined;
  const at = cfgScan(f, kind);
  return at < 0 ? undefined : f!.subarray(at, at + CfK.PAYLOAD);
}

/**
 * Appends `payload` (28 bytes, byte 0 its kind) as the next slot: bytes 0..29 first, then the check (bytes
 * 30..31) in a second write, so a power cut leaves no slot, a slot without its check (skipped), or the whole
 * slot; then the slot is read back. Throws CONFIG_STORE when the file is missing (flashed by an older
 * flash.sh) or full, or the slot did not read back: re-flashing (flash.sh) renews the file.
 */
export function cfgSave(payload: Uint8Array): void {
  const seq = new Uint16Array(1);
  let at = cfgScan(cfgRead(), -1, seq);
  const s = new Uint8Array(CfK.SLOT);
  if (at > 0) {
    cfgSeal(s, payload, seq[0]);
    const mod = "Storage";
    const st = require(mod);
    st.write(CONFIG_FILE, s.subarray(0, CfK.CHECK), at);
    st.write(CONFIG_FILE, s.subarray(CfK.CHECK), at + CfK.CHECK);
    const b = cfgRead();
    for (let i = 0; i < CfK.SLOT; i++) if (b![at + i] !== s[i]) at = -3;
  }
  if (at < 0) throw fwError("CONFIG_STORE", at < -2 ? "config slot did not read back" : "config file full or missing: re-flash");
}
