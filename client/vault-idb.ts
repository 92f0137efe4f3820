// The browser's VaultBackend: one IndexedDB database ("pencap", object store "vault"), one entry per vault name.
// The bytes stored are the vault's ciphertext envelope (client/vault.ts); IndexedDB never sees plain records.
import type { VaultBackend } from "./vault";

export class IndexedDBBackend implements VaultBackend {
  private db: Promise<IDBDatabase> | undefined;
  constructor(
    private readonly factory: IDBFactory = globalThis.indexedDB,
    readonly dbName = "pencap",
  ) {
    if (!factory) throw new Error("IndexedDB is not available in this environment");
  }

  private open(): Promise<IDBDatabase> {
    if (!this.db) {
      this.db = new Promise((resolve, reject) => {
        const req = this.factory.open(this.dbName, 1);
        req.onupgradeneeded = () => req.result.createObjectStore("vault");
        req.onsuccess = () => resolve(req.result);
        req.onerror = () => reject(req.error);
      });
    }
    return this.db;
  }

  private async tx<T>(mode: IDBTransactionMode, op: (s: IDBObjectStore) => IDBRequest<T>): Promise<T> {
    const db = await this.open();
    return new Promise((resolve, reject) => {
      const t = db.transaction("vault", mode);
      const req = op(t.objectStore("vault"));
      // Resolve on the transaction's completion: for a write, the data is committed then.
      t.oncomplete = () => resolve(req.result);
      t.onerror = () => reject(t.error ?? req.error);
      t.onabort = () => reject(t.error ?? new Error("IndexedDB transaction aborted"));
    });
  }

  async read(name: string): Promise<Uint8Array | undefined> {
    const v = await this.tx("readonly", (s) => s.get(name));
    return v === undefined ? undefined : new Uint8Array(v as ArrayBuffer);
  }
  async write(name: string, data: Uint8Array): Promise<void> {
    const copy = data.slice().buffer;
    await this.tx("readwrite", (s) => s.put(copy, name));
  }
  async list(): Promise<string[]> {
    return ((await this.tx("readonly", (s) => s.getAllKeys())) as IDBValidKey[]).map(String);
  }
  close(): void {
    void this.db?.then((d) => d.close());
    this.db = undefined;
  }
}
