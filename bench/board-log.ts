// Log capacity per board and the firmware's boot cost over a full log, measured on the simulator: the firmware
// bundle boots on each board profile (sim/boards.ts), the on-device filler (bench/fill-log.ts) appends through
// the firmware's DoseLog on the store the board really opens until the ring has wrapped, then the cap reboots
// and the flash operations of that boot (dist/firmware.js's whole boot: log mount, config, marker, housekeeping)
// are counted on the NOR model. The bundle is installed in Storage as .bootcde, as flash.sh does.
import { readFileSync } from "node:fs";
import { SimDevice } from "../sim/device.js";
import type { BoardName } from "../sim/boards.js";
import { CapRadio } from "../sim/integration.js";
import { fillLogScript } from "./prelude.js";

export interface BoardLog {
  board: string;
  freePages: number;
  /** require("Storage").getFree() once the bundle is flashed (.bootcde) and the first boot is done. */
  storageFree: number;
  store: string;
  pageSize: number;
  pageCount: number;
  recordsPerPage: number;
  /** Records always kept (pageCount − 2) × slots, and the most held (pageCount − 1) × slots. */
  capacity: number;
  capacityMax: number;
  recordsAfterBoot: number;
  bootBytesRead: number;
  bootWordsWritten: number;
  bootErases: number;
  /** Set when the firmware could not open any log store: its boot line (then every figure above is 0). */
  failure?: string;
}

interface Fill {
  appended: number; count: number; pageSize: number; pageCount: number; recordsPerPage: number; capacity: number; error?: string;
}

function one(board: BoardName, freePages: number | undefined, bundle: string, fill: string): BoardLog {
  const radio = new CapRadio();
  const hasBle = board !== "LINUX";
  const d = new SimDevice({ board, freePages, seed: 1, bundle, installBundle: true, nrf: hasBle ? radio.factory : undefined });
  // what flash.sh stores next to the bundle (.bootcde and the pre-allocated pencap.cfg come with the upload)
  d.installFile("pencap.key", new Uint8Array([0x31, 0x32, 0x33, 0x34, 0x35, 0x36]));
  d.setCap(true);
  d.powerOn();
  d.clock.advance(5);
  const first = d.output.map((l) => l.text).find((t) => t.startsWith("pencap:")) ?? "(no boot line)";
  const storageFree = Number(d.evaluate('require("Storage").getFree()'));
  if (first.includes("FATAL")) {
    return {
      board, freePages: d.board.freePages, storageFree, store: "none", pageSize: 0, pageCount: 0, recordsPerPage: 0, capacity: 0, capacityMax: 0,
      recordsAfterBoot: 0, bootBytesRead: 0, bootWordsWritten: 0, bootErases: 0,
      failure: `the firmware has no log: "${first}" (Storage free with .bootcde installed: ${storageFree} bytes)`,
    };
  }
  const before = d.output.length;
  d.evaluate(fill);
  const line = d.output.slice(before).map((l) => l.text).find((t) => t.startsWith("FILL:"));
  if (!line) throw new Error(`${board}: the filler printed nothing (${d.errors[0]?.message ?? "no error"})`);
  const f = JSON.parse(line.slice(5)) as Fill;
  if (f.error === "no page store") {
    // fewer than 5 free pages: the firmware keeps a RAM log only (docs/log-format.md "Decision")
    return {
      board, freePages: d.board.freePages, storageFree, store: "RAM only (lost at every reset)", pageSize: 0, pageCount: 0, recordsPerPage: 0,
      capacity: 0, capacityMax: 0, recordsAfterBoot: 0, bootBytesRead: 0, bootWordsWritten: 0, bootErases: 0,
      failure: `no flash log: "${first}" (a RAM log until the next reset, Status alert bit 4; flash.sh refuses this board)`,
    };
  }
  if (f.error) throw new Error(`${board}: ${f.error}`);
  const r0 = d.flash.bytesRead, w0 = d.flash.wordWrites, e0 = d.flash.erases, o0 = d.output.length;
  d.reboot("software");
  d.clock.advance(5); // the boot and its first housekeeping (no other flash activity in these 5 s)
  const r1 = d.flash.bytesRead, w1 = d.flash.wordWrites, e1 = d.flash.erases;
  const boot = d.output.slice(o0).map((l) => l.text).find((t) => t.startsWith("pencap: boot"));
  const n = Number(/log (\d+) records/.exec(boot ?? "")?.[1] ?? NaN);
  if (d.errors.length) throw new Error(`${board}: ${d.errors[0].message}`);
  // The store the firmware chose (openLogRegion, docs/log-format.md "Decision").
  return {
    board,
    freePages: d.board.freePages,
    storageFree,
    // >= 5 free pages: the log region (2 state pages + the log); fewer: a RAM log (no Storage-file log any more)
    store: d.board.freePages >= 5 ? "Flash (Flash.getFree() pages: log + 2 state pages)" : "RAM only (lost at every reset)",
    pageSize: f.pageSize,
    pageCount: f.pageCount,
    recordsPerPage: f.recordsPerPage,
    capacity: f.capacity,
    capacityMax: (f.pageCount - 1) * f.recordsPerPage,
    recordsAfterBoot: n,
    bootBytesRead: r1 - r0,
    bootWordsWritten: w1 - w0,
    bootErases: e1 - e0,
  };
}

/** Each board as sim/boards.ts models it: the cap's build (PENCAP), the stock MDBT42Q and Puck.js interpreters
 *  with their measured free flash (boards/measured.json), and the host build. */
export async function boardLogBench(bundlePath = "dist/firmware.js"): Promise<BoardLog[]> {
  process.env.TZ = "UTC";
  const bundle = readFileSync(bundlePath, "utf8");
  const fill = await fillLogScript(-1, 1764000000);
  return (["PENCAP", "MDBT42Q", "PUCKJS", "LINUX"] as const).map((b) => one(b, undefined, bundle, fill));
}
