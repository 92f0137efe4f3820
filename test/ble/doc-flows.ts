// Executes the ```flow blocks of docs/protocol.md against the pure engine and the example cap (fixture.ts).
// The document is the source: each block is a script of what the phone does and what it must see, and the
// test fails at the first line where the engine does something else. Nothing here writes the document.
// Lines: "link mtu=N bonded|unbonded" (N is the phone's; the cap, as on Espruino, does not learn it),
// "> CHAR hex [!att]" (the phone writes; !att = the ATT error the write must get), "? CHAR hex|!att" (the phone
// reads and must get that value or error), "< N|I CHAR hex" (the cap must notify/indicate exactly that, in that
// order, after the write above it), "clock T", "window open|closed" (the pairing window), "ring N" (the log keeps
// N records), "tokens N" (app-record budget left), "# comment".
import { readChar } from "../../firmware/ble/engine";
import { CH_BATTERY, CH_CONFIG, CH_RACP, CH_RECORDS, CH_STATUS, CH_TIME } from "../../firmware/ble/uuids";
import { exampleEngine } from "./fixture";
import { hex, unhex } from "./fake-log";

const CH: Record<string, number> = { RECORDS: CH_RECORDS, RACP: CH_RACP, TIME: CH_TIME, STATUS: CH_STATUS, CONFIG: CH_CONFIG, BATTERY: CH_BATTERY };
const NAME: Record<number, string> = Object.fromEntries(Object.entries(CH).map(([k, v]) => [v, k]));

/** One flow block: its lines and the line number (1-based, in the document) of the first one. */
export interface FlowBlock {
  line: number;
  lines: string[];
}

/** Where the engine did not do what the document says. */
export interface FlowMismatch {
  /** Line number in the document. */
  line: number;
  expected: string;
  actual: string;
}

const norm = (s: string) => s.trim().split(/\s+/).join(" ").toLowerCase();
const att = (n: number) => "!" + n.toString(16).padStart(2, "0");

/** Runs one block; returns every mismatch (empty: the engine does exactly what the document says). */
export function checkFlow(block: FlowBlock): FlowMismatch[] {
  const { engine, sender, clock, log } = exampleEngine();
  const bad: FlowMismatch[] = [];
  // What the cap sent after the last write, not yet matched by "<" lines.
  let pending: string[] = [];
  let pendingFrom = block.line;
  const flushPending = (at: number) => {
    for (const p of pending) bad.push({ line: at, expected: "(no more notifications)", actual: p });
    pending = [];
  };
  block.lines.forEach((raw, i) => {
    const at = block.line + i;
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    const parts = line.split(/\s+/);
    if (parts[0] === "<") {
      const got = pending.shift();
      if (got === undefined) bad.push({ line: at, expected: line, actual: `(nothing: the cap sent no more after line ${pendingFrom})` });
      else if (norm(got) !== norm(line)) bad.push({ line: at, expected: line, actual: got });
      return;
    }
    flushPending(at);
    if (parts[0] === "link") {
      if (!/mtu=\d+/.test(line)) throw new Error(`docs/protocol.md:${at}: "link" needs mtu=N`);
      const mtu = Number(/mtu=(\d+)/.exec(line)![1]);
      const bonded = parts.includes("bonded");
      // The phone's MTU: the cap starts at 3 records per notification (the adapter's engine.link(53)); a link
      // with a smaller MTU refuses that notification and the RACP falls back to one record each.
      engine.link(53);
      sender.maxRecords = Math.min(mtu, 53) - 3;
      sender.onRefused = () => engine.racp.notifyRefused();
      engine.trusted = bonded;
      sender.take();
    } else if (parts[0] === "clock") {
      clock.t = Number(parts[1]);
    } else if (parts[0] === "window") {
      // The pairing window (the cap in the patient's hand: the 5-click gesture) open or closed.
      engine.capConfirmed = parts[1] === "open";
    } else if (parts[0] === "ring") {
      // The example log as a ring that keeps only this many records (the guard of section 3.2 "App records").
      log.capacity = Number(parts[1]);
    } else if (parts[0] === "tokens") {
      // The app-record budget left (section 3.2 "App records"), as after that many app records.
      engine.racp.tokens = Number(parts[1]);
    } else if (parts[0] === ">") {
      const ch = CH[parts[1]];
      if (ch === undefined) throw new Error(`docs/protocol.md:${at}: unknown characteristic ${parts[1]}`);
      const want = parts.find((p) => p.startsWith("!"));
      const data = unhex(parts.slice(2).filter((p) => !p.startsWith("!")).join(" "));
      const r = engine.write(ch, data);
      engine.racp.pump();
      const got = r ? att(r) : "";
      if ((want ?? "").toLowerCase() !== got) bad.push({ line: at, expected: want ? `ATT error ${want}` : "write accepted", actual: got ? `ATT error ${got}` : "write accepted" });
      pending = sender.take().map((p) => `< ${p.kind} ${NAME[p.ch]} ${hex(p.data)}`);
      pendingFrom = at;
    } else if (parts[0] === "?") {
      const ch = CH[parts[1]];
      if (ch === undefined) throw new Error(`docs/protocol.md:${at}: unknown characteristic ${parts[1]}`);
      const v = readChar(engine, ch);
      const got = typeof v === "number" ? att(v) : hex(v);
      const want = parts.slice(2).join(" ");
      if (norm(got) !== norm(want)) bad.push({ line: at, expected: line, actual: `? ${parts[1]} ${got}` });
    } else {
      throw new Error(`docs/protocol.md:${at}: unknown flow line: ${line}`);
    }
  });
  flushPending(block.line + block.lines.length);
  return bad;
}

export function flowBlocks(md: string): FlowBlock[] {
  const blocks: FlowBlock[] = [];
  const lines = md.split("\n");
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].trim() !== "```flow") continue;
    const b: FlowBlock = { line: i + 2, lines: [] };
    i++;
    while (i < lines.length && lines[i].trim() !== "```") b.lines.push(lines[i++]);
    blocks.push(b);
  }
  return blocks;
}
