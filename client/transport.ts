// The small transport interface the protocol client runs over (Web Bluetooth, the simulator's central,
// or an in-memory fake in tests). UUIDs are full lower-case 128-bit strings.
export interface Transport {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  read(service: string, char: string): Promise<Uint8Array>;
  /** Rejects with { attError } when the peripheral refuses the write. */
  write(service: string, char: string, data: Uint8Array, withResponse: boolean): Promise<void>;
  subscribe(service: string, char: string, onValue: (data: Uint8Array) => void): Promise<void>;
  onDisconnect(cb: () => void): void;
  readonly mtu: number;
  /** Runs fn after ms of the transport's own time (real time on a phone, virtual time in the simulator);
   *  returns a cancel function. Without it the client waits for answers without a time limit. */
  timer?(ms: number, fn: () => void): () => void;
}

/** ATT error from a refused read/write (0x05 insufficient authentication, ...). */
export function attErrorOf(e: unknown): number | undefined {
  if (e && typeof e === "object" && "attError" in e) return Number((e as { attError: unknown }).attError);
  return undefined;
}
