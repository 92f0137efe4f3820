// The project's own declarations for the parts of the Espruino 2v29 API the firmware uses and that the old
// @types/espruino package lacks or types loosely. Signatures follow the interpreter's sources
// (src/jswrap_espruino.c, src/jswrap_storage.c, src/jswrap_flash.c, libs/bluetooth/jswrap_bluetooth.c,
// libs/puckjs/jswrap_puck.c) and the public reference at https://www.espruino.com/Reference.
// Declarations merge with @types/espruino; where both exist, the overloads here are the precise ones.

/** Data Espruino's native functions accept as bytes: strings (one char per byte), arrays and typed arrays. */
type EspruinoBytes = string | number[] | ArrayBuffer | Uint8Array | Int8Array | Uint16Array | DataView;

/** `require("Flash")`: raw access to the microcontroller's flash pages. Writes can only clear bits. */
interface EspruinoFlash {
  /** The page holding `addr`, or undefined when no page is there. */
  getPage(addr: number): { addr: number; length: number } | undefined;
  /** Free areas (not used by the interpreter's firmware or Storage). */
  getFree(): { addr: number; length: number }[];
  /** Erases the page that contains `addr` (all bytes become 0xFF). */
  erasePage(addr: number): void;
  /** Writes `data` at `addr`; address and length must be word (4-byte) aligned on nRF52. */
  write(data: EspruinoBytes, addr: number): void;
  /** Reads `length` bytes starting at `addr`. */
  read(length: number, addr: number): Uint8Array;
}

/** A file opened with `require("Storage").open` (a StorageFile: chunked, append-only). */
interface EspruinoStorageFile {
  read(len: number): string | undefined;
  readLine(): string | undefined;
  getLength(): number;
  write(data: string): void;
  erase(): void;
}

/** `require("Storage")`: the interpreter's file store in flash (also holds the boot code `.bootcde`). */
interface EspruinoStorage {
  /** The file's contents (a memory-mapped string), or undefined if there is no such file. */
  read(name: string, offset?: number, length?: number): string | undefined;
  readJSON(name: string, noExceptions?: boolean): any;
  readArrayBuffer(name: string): ArrayBuffer | undefined;
  /** Writes a file; with `offset` > 0 writes into a file created earlier with `size`. True on success. */
  write(name: string, data: EspruinoBytes, offset?: number, size?: number): boolean;
  writeJSON(name: string, data: any): boolean;
  erase(name: string): void;
  eraseAll(): void;
  list(regex?: RegExp | string, filter?: { sf?: boolean }): string[];
  getFree(checkInternalFlash?: boolean): number;
  getStats(): { totalBytes: number; freeBytes: number; fileBytes: number; fileCount: number; trashBytes: number; trashCount: number };
  compact(showMessage?: boolean): void;
  open(name: string, mode: "r" | "w" | "a"): EspruinoStorageFile;
}

/** Only the Espruino modules the firmware may load type-check; any other name is a type error. */
declare function require(name: "Flash"): EspruinoFlash;
declare function require(name: "Storage"): EspruinoStorage;

interface EspruinoMemory {
  free: number;
  usage: number;
  total: number;
  history: number;
  gc: number;
  gctime: number;
  blocksize: number;
  [key: string]: number;
}

declare var process: {
  readonly env: { readonly BOARD: string; readonly VERSION: string; readonly [key: string]: any };
  readonly version: string;
  /** Memory in JS variables ("blocks"); runs a garbage collection first unless `gc` is false. */
  memory(gc?: boolean): EspruinoMemory;
  on(event: "uncaughtException", callback: (error: any) => void): void;
};

declare var console: {
  log(...args: any[]): void;
};

declare namespace E {
  /** Standard CRC-32 (IEEE 802.3) of the bytes; `E.CRC32("123456789") === 0xCBF43926`. */
  function CRC32(data: EspruinoBytes): number;
  /** Concatenates strings, numbers (as bytes), arrays and typed arrays into one Uint8Array. */
  function toUint8Array(...args: (EspruinoBytes | number | { data: any; count: number })[]): Uint8Array;
  /** Concatenates the arguments' bytes into a string (undefined when memory is short). */
  function toString(...args: (EspruinoBytes | number)[]): string;
  /** Die temperature of the microcontroller in °C. */
  function getTemperature(): number;
  /** Starts the hardware watchdog; `isAuto` false means the firmware must call `E.kickWatchdog()`. */
  function enableWatchdog(timeout: number, isAuto?: boolean): void;
  function kickWatchdog(): void;
  /** Hardware reset. */
  function reboot(): void;
  /** Size of a value in JS variables. */
  function getSizeOf(v: any, depth?: number): number;
  /** Address of a flat or memory-mapped (e.g. Storage) value's data, 0 when it has none. */
  function getAddressOf(v: any, flatOnly: boolean): number;
  /** Error flags since the last call (e.g. "FIFO_FULL", "BUFFER_FULL", "LOW_MEMORY", "MEMORY"), then cleared. */
  function getErrorFlags(): string[];
  /** "init": after boot code ran / on load(); "kill": before a reset or reflash. */
  function on(event: "init" | "kill", callback: () => void): void;
  function on(event: "errorFlag", callback: (flags: string[]) => void): void;
  function removeAllListeners(event?: string): void;
}

interface EspruinoCharacteristic {
  value?: string | number[] | Uint8Array | ArrayBuffer;
  maxLen?: number;
  broadcast?: boolean;
  readable?: boolean;
  writable?: boolean;
  writableWithoutResponse?: boolean;
  notify?: boolean;
  indicate?: boolean;
  description?: string;
  security?: {
    read?: { encrypted?: boolean; mitm?: boolean; lesc?: boolean; signed?: boolean };
    write?: { encrypted?: boolean; mitm?: boolean; lesc?: boolean; signed?: boolean };
  };
  onWrite?: (event: { data: ArrayBuffer }) => void;
  onRead?: () => string | number[] | Uint8Array | undefined;
}

interface EspruinoSecurityStatus {
  connected: boolean;
  encrypted?: boolean;
  mitm_protected?: boolean;
  bonded?: boolean;
  advertising?: boolean;
  connected_addr?: string;
}

declare namespace NRF {
  /** Supply voltage in volts. */
  function getBattery(): number;
  function setServices(
    data: { [service: string]: { [characteristic: string]: EspruinoCharacteristic } } | undefined,
    options?: { uart?: boolean; advertise?: string[]; hid?: Uint8Array },
  ): void;
  function updateServices(data: {
    [service: string]: {
      [characteristic: string]: { value?: string | number[] | Uint8Array | ArrayBuffer; notify?: boolean; indicate?: boolean; readable?: boolean };
    };
  }): void;
  function setAdvertising(
    data: { [uuid: string]: number[] | Uint8Array | string } | Array<number | string> | Uint8Array,
    options?: {
      name?: string;
      showName?: boolean;
      discoverable?: boolean;
      connectable?: boolean;
      scannable?: boolean;
      interval?: number;
      manufacturer?: number;
      manufacturerData?: number[] | Uint8Array;
      whenConnected?: boolean;
    },
  ): void;
  function setSecurity(options: {
    display?: boolean;
    keyboard?: boolean;
    bond?: boolean;
    mitm?: boolean;
    lesc?: boolean;
    passkey?: string;
    oob?: string;
    encryptUart?: boolean;
  }): void;
  function getSecurityStatus(): EspruinoSecurityStatus;
  function disconnect(): void;
  function on(event: "connect", callback: (addr: string) => void): void;
  function on(event: "disconnect", callback: (reason: number) => void): void;
  function on(event: "security", callback: (status: { auth_status: number; bonded: boolean; lv4: number; kdist_own: any; kdist_peer: any }) => void): void;
  function on(event: "advertising", callback: (isAdvertising: boolean) => void): void;
  /** dBm: -40, -20, -16, -12, -8, -4, 0, 4 on nRF52832. */
  function setTxPower(power: number): void;
  function setConnectionInterval(interval: number | "auto" | { minInterval: number; maxInterval: number }): void;
  function sleep(): void;
  function wake(): void;
  function getAddress(): string;
}

declare namespace Puck {
  /** One magnetometer reading (0.1 µT per unit). */
  function mag(): { x: number; y: number; z: number };
  /** Starts continuous readings; each one fires `Puck.on("mag")`. */
  function magOn(samplerate?: number): void;
  function magOff(): void;
  function on(event: "mag", callback: (xyz: { x: number; y: number; z: number }) => void): void;
  function removeAllListeners(event?: string): void;
}

interface EspruinoWatchEvent {
  state: boolean;
  time: number;
  lastTime: number;
  data?: boolean;
}

/** Watches a pin; returns the watch id for `clearWatch`. */
declare function setWatch(
  callback: (e: EspruinoWatchEvent) => void,
  pin: Pin,
  options?: { repeat?: boolean; edge?: "rising" | "falling" | "both" | 1 | -1 | 0; debounce?: number; irq?: boolean; data?: Pin },
): number;
declare function clearWatch(id?: number): void;

/** Seconds since 1970 (float) once the clock was set, else since power-on. */
declare function getTime(): number;
declare function setTime(time: number): void;

/** Timers (https://www.espruino.com/Reference#l__global_setInterval): ids are integers, times in ms. */
declare function setTimeout(callback: () => void, ms: number): number;
declare function setInterval(callback: () => void, ms: number): number;
declare function changeInterval(id: number, ms: number): void;

/** Raw memory access (https://www.espruino.com/Reference#l__global_peek32): registers such as POWER.RESETREAS. */
declare function peek32(addr: number): number;
declare function poke32(addr: number, value: number): void;
