// The "a cap session is open" marker (firmware/detect/reboot.ts) as a tiny Storage file written in place.
// A removal and a recap cost one 4-byte write each: slots are appended by offset into a file created at
// full size (Storage writes by offset only clear bits), and the file is re-created only when its slots are
// used up, every SLOTS removals. Slot: u32 seq+2 (0xFFFFFFFF unwritten), u32 0 once cleared. Slots start at
// offset 8: a Storage write at offset 0 re-creates the file (Espruino's Storage.write semantics).
import { SessionMarker } from "../detect/reboot";

// A const enum: the bundler writes the numbers into the code (no RAM on Espruino).
const enum M {
  SLOTS = 16,
  BASE = 8,
  SIZE = 8 + 16 * 8, // BASE + SLOTS * 8
}

export function storageSessionMarker(name: string): SessionMarker {
  // This scope lives as long as the functions below (RAM on Espruino): a few locals, no buffer, no helper.
  const storage = require("Storage");
  // Index of the newest written slot, -1 none; found once, then tracked.
  let last = -1;
  let cleared = true;
  let img: any = storage.readArrayBuffer(name);
  if (img && img.byteLength === M.SIZE) {
    img = new DataView(img);
    for (let i = 0; i < M.SLOTS; i++) {
      if (img.getUint32(M.BASE + i * 8, true) === 0xffffffff) break;
      last = i;
      cleared = img.getUint32(M.BASE + i * 8 + 4, true) !== 0xffffffff;
    }
  } else {
    storage.write(name, "PCSM", 0, M.SIZE);
  }
  img = null; // keep no boot-time buffer in this scope
  return {
    read: function (): number {
      if (last < 0 || cleared) return -2;
      const buf = storage.readArrayBuffer(name);
      if (!buf) return -2;
      return new DataView(buf).getUint32(M.BASE + last * 8, true) - 2;
    },
    write: function (seqAtRemoval: number): void {
      if (last + 1 >= M.SLOTS) {
        storage.erase(name);
        storage.write(name, "PCSM", 0, M.SIZE);
        last = -1;
      }
      last++;
      cleared = false;
      // The u32 little-endian as a 4-byte string (Espruino strings are bytes; Storage writes them as they are).
      const v = seqAtRemoval + 2;
      storage.write(name, String.fromCharCode(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff), M.BASE + last * 8);
    },
    clear: function (): void {
      if (last < 0 || cleared) return;
      cleared = true;
      storage.write(name, String.fromCharCode(0, 0, 0, 0), M.BASE + last * 8 + 4);
    },
  };
}
