#!/usr/bin/env node
// Makes a cap's pairing passkey: 6 random decimal digits from the OS's CSPRNG (node:crypto randomInt, uniform
// over 000000..999999, no modulo bias). flash.sh stores it on the cap as the Storage file "pencap.key" and
// prints it for the cap's label (docs/protocol.md "Security"). Usage:
//   node scripts/flash/passkey.mjs            prints a new passkey
//   node scripts/flash/passkey.mjs 123456     checks and prints the given one (keeping a cap's old label)
// Exit code 2 with a message when the given passkey is not exactly 6 digits.
import { randomInt } from "node:crypto";
import { pathToFileURL } from "node:url";

export function newPasskey() {
  return String(randomInt(0, 1000000)).padStart(6, "0");
}

export function checkPasskey(s) {
  return typeof s === "string" && /^[0-9]{6}$/.test(s);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const given = process.argv[2];
  if (given !== undefined && !checkPasskey(given)) {
    console.error(`passkey.mjs: "${given}" is not a 6-digit passkey`);
    process.exit(2);
  }
  process.stdout.write((given ?? newPasskey()) + "\n");
}
