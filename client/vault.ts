// Encrypted persistence of RecordStores (docs/client.md "Storage"): what the app synced stays on the device,
// encrypted at rest with the user's passphrase, and leaves it only when the user uploads.
//
// Crypto: WebCrypto only (globalThis.crypto.subtle: browsers, Node ≥ 20). Key = PBKDF2-HMAC-SHA-256(passphrase,
// salt, iterations) → AES-256-GCM. Iterations default to 600,000 (OWASP Password Storage Cheat Sheet, 2023, for
// PBKDF2-HMAC-SHA256); salt 16 random bytes per vault; IV 12 random bytes per save (NIST SP 800-38D's 96-bit
// IV); the header (format, version, KDF and cipher parameters) is the GCM additional data, so changing the
// iteration count or salt in a file makes it fail to open instead of weakening it.
//
// File format (one JSON object, UTF-8; the same bytes in every backend):
//   { "format": "pencap-vault", "version": 1,
//     "kdf": { "name": "PBKDF2", "hash": "SHA-256", "iterations": 600000, "salt": "<base64, 16 bytes>" },
//     "cipher": { "name": "AES-GCM", "iv": "<base64, 12 bytes>" },
//     "data": "<base64 ciphertext + 16-byte tag of the JSON of RecordStore.toJSON()>" }
import { RecordStore, type StoreSnapshot } from "./store";

/** Where vault bytes live: IndexedDB in a browser (client/vault-idb.ts), a file in the CLI (client/node.ts). */
export interface VaultBackend {
  read(name: string): Promise<Uint8Array | undefined>;
  /** Replaces the stored bytes at once (all or nothing). */
  write(name: string, data: Uint8Array): Promise<void>;
  list(): Promise<string[]>;
}

export class MemoryBackend implements VaultBackend {
  readonly items = new Map<string, Uint8Array>();
  async read(name: string) {
    const v = this.items.get(name);
    return v && v.slice();
  }
  async write(name: string, data: Uint8Array) {
    this.items.set(name, data.slice());
  }
  async list() {
    return [...this.items.keys()];
  }
}

export type VaultErrorCode = "WRONG_PASSPHRASE" | "VAULT_CORRUPT" | "VAULT_VERSION" | "WEAK_PARAMETERS" | "NO_CRYPTO";
export class VaultError extends Error {
  constructor(readonly code: VaultErrorCode, message: string) {
    super(message);
    this.name = "VaultError";
  }
}

export const DEFAULT_ITERATIONS = 600_000;
/** Files asking for fewer iterations are refused (a downgraded file must not open with a weak key). */
export const MIN_ITERATIONS = 100_000;
const FORMAT = "pencap-vault";

interface Header {
  format: string;
  version: number;
  kdf: { name: "PBKDF2"; hash: "SHA-256"; iterations: number; salt: string };
  cipher: { name: "AES-GCM"; iv: string };
}

const b64 = (b: Uint8Array) => {
  let s = "";
  for (const x of b) s += String.fromCharCode(x);
  return btoa(s);
};
const unb64 = (s: string) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
const enc = new TextEncoder();
const headerBytes = (h: Header) => enc.encode(JSON.stringify([h.format, h.version, h.kdf.name, h.kdf.hash, h.kdf.iterations, h.kdf.salt, h.cipher.name, h.cipher.iv]));

function subtle(): SubtleCrypto {
  const s = globalThis.crypto?.subtle;
  if (!s) throw new VaultError("NO_CRYPTO", "WebCrypto (crypto.subtle) is not available: use a secure context (https or localhost) or Node ≥ 20");
  return s;
}

async function deriveKey(passphrase: string, salt: Uint8Array, iterations: number): Promise<CryptoKey> {
  const base = await subtle().importKey("raw", enc.encode(passphrase.normalize("NFC")), "PBKDF2", false, ["deriveKey"]);
  return subtle().deriveKey({ name: "PBKDF2", hash: "SHA-256", salt: salt as BufferSource, iterations }, base, { name: "AES-GCM", length: 256 }, false, ["encrypt", "decrypt"]);
}

function parse(bytes: Uint8Array): Header & { data: string } {
  let o: Header & { data: string };
  try {
    o = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    throw new VaultError("VAULT_CORRUPT", "the stored vault is not readable (not JSON)");
  }
  if (!o || o.format !== FORMAT) throw new VaultError("VAULT_CORRUPT", "the stored data is not a pencap vault");
  if (o.version !== 1) throw new VaultError("VAULT_VERSION", `vault version ${o.version} is not supported by this client`);
  if (o.kdf?.name !== "PBKDF2" || o.kdf.hash !== "SHA-256" || o.cipher?.name !== "AES-GCM" || typeof o.data !== "string" || typeof o.kdf.salt !== "string" || typeof o.cipher.iv !== "string")
    throw new VaultError("VAULT_CORRUPT", "the vault header is incomplete");
  if (!Number.isInteger(o.kdf.iterations) || o.kdf.iterations < MIN_ITERATIONS)
    throw new VaultError("WEAK_PARAMETERS", `the vault asks for ${o.kdf.iterations} PBKDF2 iterations; at least ${MIN_ITERATIONS} are required`);
  return o;
}

/**
 * One encrypted vault (one name in a backend) holding the stores of any number of caps, by serial. Open it with
 * the passphrase (`Vault.open`): a wrong passphrase throws VaultError "WRONG_PASSPHRASE" and changes nothing.
 * The key is derived once per open; every save uses a fresh IV and replaces the stored bytes at once.
 */
export class Vault {
  private constructor(
    private readonly backend: VaultBackend,
    readonly name: string,
    private key: CryptoKey,
    private salt: Uint8Array,
    private iterations: number,
    private stores: Map<string, StoreSnapshot>,
  ) {}

  /** Opens (or, when nothing is stored under `name`, creates on first save) the vault. */
  static async open(backend: VaultBackend, name: string, passphrase: string, o: { iterations?: number } = {}): Promise<Vault> {
    if (!passphrase) throw new VaultError("WRONG_PASSPHRASE", "a passphrase is required");
    const bytes = await backend.read(name);
    if (!bytes) {
      const iterations = o.iterations ?? DEFAULT_ITERATIONS;
      if (iterations < MIN_ITERATIONS) throw new VaultError("WEAK_PARAMETERS", `at least ${MIN_ITERATIONS} PBKDF2 iterations are required`);
      const salt = globalThis.crypto.getRandomValues(new Uint8Array(16));
      return new Vault(backend, name, await deriveKey(passphrase, salt, iterations), salt, iterations, new Map());
    }
    const h = parse(bytes);
    const salt = unb64(h.kdf.salt);
    const key = await deriveKey(passphrase, salt, h.kdf.iterations);
    let plain: ArrayBuffer;
    try {
      plain = await subtle().decrypt({ name: "AES-GCM", iv: unb64(h.cipher.iv) as BufferSource, additionalData: headerBytes(h) as BufferSource }, key, unb64(h.data) as BufferSource);
    } catch {
      // GCM cannot tell a wrong key from altered bytes; both mean "this passphrase does not open this vault".
      throw new VaultError("WRONG_PASSPHRASE", "wrong passphrase (or the vault was altered): nothing was changed");
    }
    const content = JSON.parse(new TextDecoder().decode(plain)) as { stores: StoreSnapshot[] };
    return new Vault(backend, name, key, salt, h.kdf.iterations, new Map(content.stores.map((s) => [s.serial, s])));
  }

  /** Serials of the caps held. */
  serials(): string[] {
    return [...this.stores.keys()];
  }

  /** A fresh RecordStore of that cap's held log, or undefined. */
  load(serial: string): RecordStore | undefined {
    const s = this.stores.get(serial);
    return s && RecordStore.fromJSON(s);
  }

  /** Puts the store (replacing the held one of the same serial) and writes the vault. */
  async save(store: RecordStore): Promise<void> {
    const next = new Map(this.stores);
    next.set(store.serial, JSON.parse(JSON.stringify(store.toJSON())));
    await this.write(next, this.key, this.salt, this.iterations);
    this.stores = next;
  }

  /** Re-encrypts everything under a new passphrase (new salt); the old one no longer opens the vault. */
  async changePassphrase(passphrase: string, o: { iterations?: number } = {}): Promise<void> {
    if (!passphrase) throw new VaultError("WRONG_PASSPHRASE", "a passphrase is required");
    const iterations = o.iterations ?? this.iterations;
    const salt = globalThis.crypto.getRandomValues(new Uint8Array(16));
    const key = await deriveKey(passphrase, salt, iterations);
    await this.write(this.stores, key, salt, iterations);
    Object.assign(this, { key, salt, iterations });
  }

  private async write(stores: Map<string, StoreSnapshot>, key: CryptoKey, salt: Uint8Array, iterations: number): Promise<void> {
    const iv = globalThis.crypto.getRandomValues(new Uint8Array(12));
    const h: Header = { format: FORMAT, version: 1, kdf: { name: "PBKDF2", hash: "SHA-256", iterations, salt: b64(salt) }, cipher: { name: "AES-GCM", iv: b64(iv) } };
    const plain = enc.encode(JSON.stringify({ stores: [...stores.values()] }));
    const data = new Uint8Array(await subtle().encrypt({ name: "AES-GCM", iv, additionalData: headerBytes(h) as BufferSource }, key, plain));
    await this.backend.write(this.name, enc.encode(JSON.stringify({ ...h, data: b64(data) })));
  }
}
