// Memory on a device-like interpreter: the firmware's code runs from Storage (flash), as on the cap, and the
// interpreter has the MDBT42Q's variable pool (2,950 variables of 13 bytes). The interpreter is a 2v29 Linux
// build of Espruino made with -m32 and VARIABLES=2950 (docs/benchmarks.md §5 says how; it is not in this
// repository). Every step runs in one fresh temporary directory, whose ./espruino.flash is the cap's flash:
//   1. copy bench/fill-log.ts (bundled) and dist/firmware.js into Storage in 512-byte pieces read from files
//      (Storage.write with offset, as an upload does; neither text ever sits whole in RAM);
//   2. run the filler from Storage (eval of the Storage string: its code stays in flash) until the ring wrapped,
//      then erase it;
//   3. start the interpreter with no file: it boots like a device, loading .bootcde from flash
//      (jsiInit(true) → jsfLoadBootCodeFromFlash); once the firmware's boot line is out, probes typed at the
//      REPL print process.memory() (which garbage-collects first);
//   4. in the BLE run (bleVariant), one more line typed at the REPL dumps the variables (memory-map.ts) and runs
//      SYNC_DRIVER, installed in Storage with the firmware: a full sync, its peak read at every packet.
import { bootCodeBytes } from "../sim/device.js";
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync, statSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fillLogScript } from "./prelude.js";
import { RACP_UUID, SERVICE_UUID } from "../firmware/ble/uuids.js";
import { memoryMap, parseDump, type MemoryMap } from "./memory-map.js";

export interface MemInfo {
  usage: number;
  total: number;
  blocksize: number;
}

export interface DeviceMemory {
  version: string;
  board: string;
  total: number;
  blocksize: number;
  fill: { appended: number; count: number; capacity: number; pageCount: number; pageSize: number };
  bootLine: string;
  /** process.memory().usage after boot with a full log: [settleS, usage] per probe */
  full: Array<[number, number]>;
  /** the same with a fresh (empty) log */
  empty: Array<[number, number]>;
  /** the interpreter alone (no .bootcde), same probe */
  bare: number;
  /** the boot code as the interpreter holds it: variables of the Storage string of .bootcde (E.getSizeOf) */
  bootcdeString: number;
  /** boot with a full log and BLE started against NRF_STUB (see bleVariant) */
  ble: { bootLine: string | null; outOfMemory: string | null; usage: Array<[number, number]>; stubAlone: number };
  /** a full sync after the BLE boot (SYNC_PROBE): the highest usage seen at a packet sent, packets sent, and
   *  the RACP response code that ended it (1: success); outOfMemory when the interpreter gave up */
  sync: { peak: number | null; packets: number; response: number | null; outOfMemory: string | null };
  /** after the BLE boot, just before the sync: E.dumpVariables() summed by kind (bench/memory-map.ts) */
  map: MemoryMap | null;
  /** the BLE boot again on a build with more variables of the same size (roomyBin), when given */
  roomy?: { total: number; blocksize: number; bootLine: string | null; outOfMemory: string | null; usage: Array<[number, number]> };
}

/** A stand-in for the NRF object on Linux (which has none), holding on to what 2v29 keeps after these calls
 *  (libs/bluetooth/jswrap_bluetooth.c keeps the services data and options, advertising data, scan response and
 *  security options in its hidden root; NRF.on keeps each listener), so those objects stay alive as on the cap. */
export const NRF_STUB =
  // setServices: targets/nrf5x/bluetooth.c also puts each onWrite callback in the root under "#onblew<handle>".
  'var NRF={k:{},on:function(e,f){this.k["#on"+e]=f},setServices:function(d,o){this.k.sd=d;this.k.so=o;var h=10,s,c;' +
  'for(s in d)for(c in d[s])if(d[s][c].onWrite)global["#onblew"+(h++)]=d[s][c].onWrite},' +
  "setAdvertising:function(d,o){this.k.ad=d;this.k.ao=o},setScanResponse:function(d){this.k.sr=d},setSecurity:function(o){this.k.se=o}," +
  // During a sync (SYNC_PROBE sets k.link): the usage at every packet the firmware sends, the highest kept, and
  // the RACP response that ends the report printed with it.
  `updateServices:function(d){var k=this.k;if(!k.link)return;var u=process.memory().usage;if(u>k.pk)k.pk=u;k.nu++;` +
  `var s=d["${SERVICE_UUID}"],r=s&&s["${RACP_UUID}"];if(r&&k.arm&&r.value[0]==6){k.arm=0;print("MEMSYNC:"+k.pk+","+k.nu+","+r.value[3])}},` +
  "setTxPower:function(){},setConnectionInterval:function(){},disconnect:function(){}," +
  'getAddress:function(){return "aa:bb:cc:dd:ee:ff public"},getBattery:function(){return 3},' +
  "getSecurityStatus:function(){var l=!!this.k.link;return {connected:l,encrypted:l,bonded:l,mitm_protected:l}}};\n";

/** Run after the BLE boot: a bonded, encrypted phone connects, announces 240-byte notifications (RACP op 0xA2,
 *  the largest the firmware builds) and asks for every stored record (op 0x01, operator 0x01); the firmware's
 *  own timers then pace the report (docs/protocol.md). It is installed in Storage and run from there
 *  (SYNC_PROBE), so its text stays in flash like the firmware's and no variable of its own stays alive. */
export const SYNC_DRIVER =
  'NRF.k.link=1;NRF.k.pk=0;NRF.k.nu=0;NRF.k["#onconnect"]("aa:bb:cc:dd:ee:01");' +
  `NRF.k.sd["${SERVICE_UUID}"]["${RACP_UUID}"].onWrite({data:[0xA2,0,240]});NRF.k.arm=1;` +
  `NRF.k.sd["${SERVICE_UUID}"]["${RACP_UUID}"].onWrite({data:[1,1]});\n`;

/** Typed at the REPL after the BLE boot's probes: where the variables go (E.dumpVariables, bench/memory-map.ts),
 *  then the sync. */
export const SYNC_PROBE = 'E.dumpVariables();print("DUMPEND");eval(require("Storage").read("benchsync"))\n';

/** The bundle with the LINUX profile's `ble: false` turned true (its only `!1`) and NRF_STUB before it: the
 *  firmware then starts its BLE engine (firmware/hw/ble.ts startBle) at boot as on the cap. */
export function bleVariant(bundle: string): string {
  const m = /\{name:"LINUX",[^}]*\}/.exec(bundle);
  if (!m || m[0].split("!1").length !== 2) throw new Error("cannot find the LINUX profile's ble flag in the bundle");
  return NRF_STUB + bundle.replace(m[0], m[0].replace("!1", "!0"));
}

/** A script that copies a host file into Storage in pieces (E.openFile is the interpreter's FILESYSTEM library). */
function copyIntoStorage(file: string, name: string): string {
  return (
    `var S=require("Storage"),f=E.openFile(${JSON.stringify(file)},"r"),n=require("fs").statSync(${JSON.stringify(file)}).size,o=0,d;\n` +
    `while((d=f.read(512))!==undefined&&d.length){S.write(${JSON.stringify(name)},d,o,n);o+=d.length;}\n` +
    `f.close();print("WROTE:"+o+"/"+n);\n`
  );
}

/** Runs a script file; the host build exits by itself once no timer is left. */
function runFile(bin: string, dir: string, file: string, code: string): string {
  writeFileSync(join(dir, file), code);
  return execFileSync("timeout", ["120", bin, file], { cwd: dir, encoding: "utf8", input: "", maxBuffer: 1 << 24 });
}

function install(bin: string, dir: string, src: string, name: string): void {
  const out = runFile(bin, dir, "copy.js", copyIntoStorage(src, name));
  const n = statSync(join(dir, src)).size;
  if (!out.includes(`WROTE:${n}/${n}`)) throw new Error(`copying ${src} into Storage failed: ${out.slice(-200).trim()}`);
}

const PROBE = 'print("MEM:"+JSON.stringify(process.memory()))\n';

/** Boots the interpreter as a device (no file: .bootcde runs from flash), waits for `ready` in its output
 *  (or 1 s when ready is null), then types PROBE at each of `settle` seconds after that. */
function bootAndProbe(bin: string, dir: string, ready: RegExp | null, settle: number[], then?: { probe: string; until: RegExp }): Promise<{ out: string; mems: MemInfo[] }> {
  return new Promise((res, rej) => {
    const child = spawn(bin, [], { cwd: dir, stdio: ["pipe", "pipe", "pipe"] });
    child.stdin.on("error", () => undefined); // it may have exited already when the exit key is sent
    let out = "";
    let started = false;
    let thenSent = false;
    let afterProbes = 0;
    const mems: MemInfo[] = [];
    const timers: NodeJS.Timeout[] = [];
    const fail = setTimeout(() => {
      child.kill("SIGKILL");
      rej(new Error(`no ${thenSent ? "end of the sync" : started ? "MEM line" : "boot line"} within 120 s: ${out.slice(-300).trim()}`));
    }, 120000);
    const finish = (): void => {
      clearTimeout(fail);
      for (const t of timers) clearTimeout(t);
      child.stdin.write("\x04");
      setTimeout(() => child.kill("SIGKILL"), 2000).unref();
      res({ out, mems });
    };
    const start = (): void => {
      if (started) return;
      started = true;
      for (const s of settle) timers.push(setTimeout(() => child.stdin.write(PROBE), s * 1000));
    };
    child.stdout.on("data", (b: Buffer) => {
      out += b.toString("latin1");
      if (ready && ready.test(out)) start();
      const all = [...out.matchAll(/MEM:(\{.*\})\r?\n/g)];
      while (mems.length < all.length) mems.push(JSON.parse(all[mems.length][1]) as MemInfo);
      if (mems.length === settle.length) {
        if (!then) finish();
        else if (!thenSent) {
          thenSent = true;
          afterProbes = out.length;
          child.stdin.write(then.probe);
          if (then.until.test(out.slice(afterProbes))) finish();
        } else if (then.until.test(out.slice(afterProbes))) finish();
      }
    });
    child.on("error", (e) => {
      clearTimeout(fail);
      rej(e);
    });
    if (!ready) setTimeout(start, 1000);
  });
}

export async function deviceMemoryBench(bin: string, bundle: string, roomyBin?: string, settle: number[] = [2, 10]): Promise<DeviceMemory> {
  const fillCode = await fillLogScript(-1, 1764000000);
  const boot = /pencap: boot[^\r\n]*/;
  // The boot line, or the interpreter giving up (then the probe still reads what is held).
  const ready = /pencap: boot[^\r\n]*|LOW_MEMORY|pencap: FATAL|OUT OF MEMORY/;
  const code = readFileSync(bundle, "utf8");
  const run = async (fill: boolean, firmware = code, interp = bin, then?: { probe: string; until: RegExp }): Promise<{ out: string; mems: MemInfo[]; fillLine?: string; info?: string }> => {
    const bin = interp;
    const dir = mkdtempSync(join(tmpdir(), "bench-mem32-"));
    try {
      // as flash.sh uploads it: pretokenised (sim/device.ts bootCodeBytes, docs/espruino-gate.md "Pretokenising")
      writeFileSync(join(dir, "firmware.js"), bootCodeBytes(firmware));
      let fillLine: string | undefined;
      let info: string | undefined;
      if (fill) {
        writeFileSync(join(dir, "fill.js"), fillCode);
        install(bin, dir, "fill.js", "benchfill");
        const out = runFile(bin, dir, "run-fill.js", 'eval(require("Storage").read("benchfill"));require("Storage").erase("benchfill");\n');
        fillLine = /FILL:(\{[^}]*\})/.exec(out)?.[1];
        if (!fillLine) throw new Error(`the log filler printed nothing: ${out.slice(-300).trim()}`);
      }
      install(bin, dir, "firmware.js", ".bootcde");
      if (then) {
        writeFileSync(join(dir, "sync.js"), SYNC_DRIVER);
        install(bin, dir, "sync.js", "benchsync");
      }
      const o = runFile(bin, dir, "info.js", 'print("INFO:"+JSON.stringify({v:process.env.VERSION,b:process.env.BOARD,s:E.getSizeOf(require("Storage").read(".bootcde"))}));\n');
      info = /INFO:(\{[^}]*\})/.exec(o)?.[1];
      const r = await bootAndProbe(bin, dir, ready, settle, then);
      return { ...r, fillLine, info };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  const full = await run(true);
  const empty = await run(false);
  // The BLE boot, then a full sync (the probes at `settle` come first, so the boot rows are the same run's).
  const withBle = await run(true, bleVariant(code), bin, { probe: SYNC_PROBE, until: /MEMSYNC:\d+,\d+,\d+|OUT OF MEMORY|LOW_MEMORY/ });
  const alone = async (firmware: string | null): Promise<number> => {
    const dir = mkdtempSync(join(tmpdir(), "bench-mem32-"));
    try {
      if (firmware !== null) {
        writeFileSync(join(dir, "boot.js"), firmware);
        install(bin, dir, "boot.js", ".bootcde");
      }
      return (await bootAndProbe(bin, dir, null, [1])).mems[0].usage;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  const bare = { usage: await alone(null) };
  const stubAlone = await alone(NRF_STUB);
  // "OUT OF MEMORY at <function>" and the source excerpt under it, as the interpreter printed them.
  const oomOf = (out: string): string | null => {
    const m = /OUT OF MEMORY[^\r\n]*\r?\n[^\r\n]*/.exec(out);
    return m ? m[0].replace(/\s+/g, " ") : /LOW_MEMORY/.test(out) ? "LOW_MEMORY" : null;
  };
  let roomy: DeviceMemory["roomy"];
  if (roomyBin) {
    const r = await run(true, bleVariant(code), roomyBin);
    roomy = { total: r.mems[0].total, blocksize: r.mems[0].blocksize, bootLine: boot.exec(r.out)?.[0] ?? null, outOfMemory: oomOf(r.out), usage: settle.map((s, i) => [s, r.mems[i].usage]) };
  }
  const info = JSON.parse(full.info ?? "{}") as { v?: string; b?: string; s?: number };
  return {
    version: info.v ?? "?",
    board: info.b ?? "?",
    total: full.mems[0].total,
    blocksize: full.mems[0].blocksize,
    fill: JSON.parse(full.fillLine as string),
    bootLine: boot.exec(full.out)?.[0] ?? "(no boot line)",
    full: settle.map((s, i) => [s, full.mems[i].usage]),
    empty: settle.map((s, i) => [s, empty.mems[i].usage]),
    bare: bare.usage,
    bootcdeString: info.s ?? -1,
    ble: {
      bootLine: boot.exec(withBle.out)?.[0] ?? null,
      outOfMemory: oomOf(withBle.out),
      usage: settle.map((s, i) => [s, withBle.mems[i].usage]),
      stubAlone,
    },
    sync: syncOf(withBle.out, oomOf),
    map: mapOf(withBle.out),
    roomy,
  };
}

/** The dump SYNC_PROBE printed, up to its own DUMPEND line (the echo of the typed line has one too). */
function mapOf(out: string): MemoryMap | null {
  const end = /\nDUMPEND\r?\n/.exec(out);
  return end ? memoryMap(parseDump(out.slice(0, end.index))) : null;
}

/** The MEMSYNC line of SYNC_PROBE's run (from the NRF stub's updateServices). */
function syncOf(out: string, oomOf: (out: string) => string | null): DeviceMemory["sync"] {
  const m = /MEMSYNC:(\d+),(\d+),(\d+)/.exec(out);
  return m ? { peak: +m[1], packets: +m[2], response: +m[3], outOfMemory: oomOf(out) } : { peak: null, packets: 0, response: null, outOfMemory: oomOf(out) ?? "no end of the sync" };
}

// `npx tsx bench/memory.ts <bin> [roomy bin]`: this section alone.
if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.dirname, "memory.ts")) {
  const bin = process.argv[2] ?? process.env.ESPRUINO32_BIN;
  if (!bin) {
    process.stderr.write("usage: npx tsx bench/memory.ts <32-bit 2950-variable espruino> (or ESPRUINO32_BIN)\n");
    process.exit(2);
  }
  process.chdir(resolve(import.meta.dirname, ".."));
  console.log(JSON.stringify(await deviceMemoryBench(bin, "dist/firmware.js", process.argv[3] ?? process.env.ESPRUINO32_ROOMY_BIN)));
}
