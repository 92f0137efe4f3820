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
  const storage = require("Storage");
  const word = new Uint8Array(4);
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
  img = null; // this scope lives as long as the functions below: keep no boot-time buffer in it
  function put(offset: number, v: number): void {
    word[0] = v & 0xff;
    word[1] = (v >>> 8) & 0xff;
    word[2] = (v >>> 16) & 0xff;
    word[3] = (v >>> 24) & 0xff;
    storage.write(name, word, offset);
  }
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
      put(M.BASE + last * 8, seqAtRemoval + 2);
    },
    clear: function (): void {
      if (last < 0 || cleared) return;
      cleared = true;
      put(M.BASE + last * 8 + 4, 0);
    },
  };
}
