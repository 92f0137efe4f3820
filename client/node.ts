// Node-only parts of the client (the CLI's): the file VaultBackend. Browser code imports client/index.ts only.
import { mkdir, open, readFile, readdir, rename } from "node:fs/promises";
import { join } from "node:path";
import type { VaultBackend } from "./vault";

/**
 * Vaults as files `<dir>/<name>.vault`, readable by the user only (mode 0600, directory 0700). A write goes to a
 * temporary file first and is renamed over the old one, so a crash leaves the old vault or the new, never half.
 */
export class FileBackend implements VaultBackend {
  constructor(readonly dir: string) {}
  private path(name: string): string {
    if (!/^[A-Za-z0-9._-]+$/.test(name)) throw new Error(`vault name "${name}" must be letters, digits, . _ -`);
    return join(this.dir, `${name}.vault`);
  }
  async read(name: string): Promise<Uint8Array | undefined> {
    try {
      return new Uint8Array(await readFile(this.path(name)));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw e;
    }
  }
  async write(name: string, data: Uint8Array): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const p = this.path(name);
    const tmp = `${p}.${process.pid}.tmp`;
    const f = await open(tmp, "w", 0o600);
    try {
      await f.writeFile(data);
      await f.sync(); // on disk before it replaces the old vault
    } finally {
      await f.close();
    }
    await rename(tmp, p);
  }
  async list(): Promise<string[]> {
    try {
      return (await readdir(this.dir)).filter((f) => f.endsWith(".vault")).map((f) => f.slice(0, -6));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw e;
    }
  }
}

export * from "./index";
