// client/vault.ts: RecordStores encrypted at rest (PBKDF2 → AES-GCM, WebCrypto), over memory, file and
// IndexedDB backends (IndexedDB from fake-indexeddb, a pure-JS implementation of the API).
import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { IDBFactory } from "fake-indexeddb";
import { MemoryBackend, Vault, VaultError, DEFAULT_ITERATIONS, type VaultBackend } from "../../client/vault";
import { IndexedDBBackend } from "../../client/vault-idb";
import { FileBackend } from "../../client/node";
import { RecordStore } from "../../client/store";
import { decodeRecord, encodeRecord } from "../../client/record";

const FAST = { iterations: 100_000 }; // the minimum accepted; the default (600,000) is checked once below
function sampleStore(serial = "PC-0042"): RecordStore {
  const s = new RecordStore(serial);
  for (let i = 1; i <= 20; i++) s.add(decodeRecord(encodeRecord({ seq: i, time: 1772409600 + i * 3600, type: 1, flags: 0x20, a: 9, b: 0x1416 }))!);
  s.confirmedMissing.add(25);
  s.lastStatus = { batteryPercent: 80, alerts: { capLeftOff: false, temperature: false, batteryLow: false, logCorruption: false, noFlashLog: false, syncSoon: false }, alertBits: 0, count: 20, newestSeq: 26, lastDoseTime: 0, oldestSeq: 1, deletedThrough: -1 };
  return s;
}
const code = (e: unknown) => (e instanceof VaultError ? e.code : String(e));

async function roundTrip(backend: VaultBackend) {
  const v = await Vault.open(backend, "main", "correct horse battery staple", FAST);
  const s = sampleStore();
  await v.save(s);
  const again = await Vault.open(backend, "main", "correct horse battery staple");
  expect(again.serials()).toEqual(["PC-0042"]);
  const back = again.load("PC-0042")!;
  expect(back.sorted()).toEqual(s.sorted());
  expect([...back.confirmedMissing]).toEqual([25]);
  expect(back.lastStatus).toEqual(s.lastStatus);
  expect(back.gaps()).toEqual(s.gaps());
  return v;
}

describe("vault", () => {
  it("round-trips a store in memory, in a file and in IndexedDB", async () => {
    await roundTrip(new MemoryBackend());
    const dir = mkdtempSync(join(tmpdir(), "pencap-vault-"));
    await roundTrip(new FileBackend(dir));
    const mode = statSync(join(dir, "main.vault")).mode & 0o777;
    expect(mode).toBe(0o600);
    expect(await new FileBackend(dir).list()).toEqual(["main"]);
    const idb = new IndexedDBBackend(new IDBFactory());
    await roundTrip(idb);
    expect(await idb.list()).toEqual(["main"]);
  });

  it("what is stored reveals nothing of the log; every save uses a new IV", async () => {
    const b = new MemoryBackend();
    const v = await Vault.open(b, "main", "pass phrase", FAST);
    await v.save(sampleStore());
    const first = new TextDecoder().decode(b.items.get("main")!);
    expect(first).not.toContain("PC-0042");
    expect(first).not.toContain("1772413200");
    const env = JSON.parse(first);
    expect(env).toMatchObject({ format: "pencap-vault", version: 1, kdf: { name: "PBKDF2", hash: "SHA-256", iterations: 100000 }, cipher: { name: "AES-GCM" } });
    expect(atob(env.kdf.salt).length).toBe(16);
    expect(atob(env.cipher.iv).length).toBe(12);
    await v.save(sampleStore());
    const second = JSON.parse(new TextDecoder().decode(b.items.get("main")!));
    expect(second.cipher.iv).not.toBe(env.cipher.iv);
    expect(second.kdf.salt).toBe(env.kdf.salt);
  });

  it("a wrong passphrase is a clear error and loses nothing", async () => {
    const dir = mkdtempSync(join(tmpdir(), "pencap-vault-"));
    const b = new FileBackend(dir);
    await (await Vault.open(b, "main", "right", FAST)).save(sampleStore());
    const before = readFileSync(join(dir, "main.vault"));
    const e = await Vault.open(b, "main", "wrong").catch((x) => x);
    expect(code(e)).toBe("WRONG_PASSPHRASE");
    expect(e.message).toMatch(/wrong passphrase.*nothing was changed/);
    expect(readFileSync(join(dir, "main.vault"))).toEqual(before);
    expect((await Vault.open(b, "main", "right")).load("PC-0042")!.records.size).toBe(20);
    expect(code(await Vault.open(b, "main", "").catch((x) => x))).toBe("WRONG_PASSPHRASE");
  });

  it("a file whose parameters were altered does not open (header authenticated; weak counts refused)", async () => {
    const b = new MemoryBackend();
    await (await Vault.open(b, "main", "pw", FAST)).save(sampleStore());
    const env = JSON.parse(new TextDecoder().decode(b.items.get("main")!));
    const put = (o: object) => b.items.set("main", new TextEncoder().encode(JSON.stringify(o)));
    put({ ...env, kdf: { ...env.kdf, iterations: 1000 } });
    expect(code(await Vault.open(b, "main", "pw").catch((x) => x))).toBe("WEAK_PARAMETERS");
    put({ ...env, kdf: { ...env.kdf, iterations: 100001 } });
    expect(code(await Vault.open(b, "main", "pw").catch((x) => x))).toBe("WRONG_PASSPHRASE");
    put({ ...env, version: 2 });
    expect(code(await Vault.open(b, "main", "pw").catch((x) => x))).toBe("VAULT_VERSION");
    b.items.set("main", new TextEncoder().encode("not json"));
    expect(code(await Vault.open(b, "main", "pw").catch((x) => x))).toBe("VAULT_CORRUPT");
    expect(code(await Vault.open(new MemoryBackend(), "x", "pw", { iterations: 10 }).catch((x) => x))).toBe("WEAK_PARAMETERS");
  });

  it("several caps in one vault; a passphrase change re-encrypts under a new salt", async () => {
    const b = new MemoryBackend();
    const v = await Vault.open(b, "main", "old", FAST);
    await v.save(sampleStore("PC-A"));
    await v.save(sampleStore("PC-B"));
    const salt = JSON.parse(new TextDecoder().decode(b.items.get("main")!)).kdf.salt;
    await v.changePassphrase("new");
    expect(JSON.parse(new TextDecoder().decode(b.items.get("main")!)).kdf.salt).not.toBe(salt);
    expect(code(await Vault.open(b, "main", "old").catch((x) => x))).toBe("WRONG_PASSPHRASE");
    expect((await Vault.open(b, "main", "new")).serials().sort()).toEqual(["PC-A", "PC-B"]);
  });

  it("the default iteration count is 600,000", async () => {
    expect(DEFAULT_ITERATIONS).toBe(600_000);
    const b = new MemoryBackend();
    await (await Vault.open(b, "main", "pw")).save(sampleStore());
    expect(JSON.parse(new TextDecoder().decode(b.items.get("main")!)).kdf.iterations).toBe(600_000);
  });

  it("a crash between temp write and rename leaves the old vault readable", async () => {
    const dir = mkdtempSync(join(tmpdir(), "pencap-vault-"));
    const b = new FileBackend(dir);
    await (await Vault.open(b, "main", "pw", FAST)).save(sampleStore());
    writeFileSync(join(dir, `main.vault.${process.pid}.tmp`), "half");
    expect((await Vault.open(b, "main", "pw")).load("PC-0042")!.records.size).toBe(20);
  });
});
