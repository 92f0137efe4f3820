// Runs the ```flow blocks of docs/protocol.md against the pure engine and the example cap (fixture.ts).
// Lines: "link mtu=N bonded|unbonded" (N is the phone's; the cap, as on Espruino, does not learn it), "> CHAR hex [!att]" (client writes), "? CHAR hex|!att" (client reads),
// "< N|I CHAR hex" (the cap notifies/indicates), "clock T", "# comment". regenerate() rewrites every "<"
// and "?" line from what the engine really does; the test asserts the document is already regenerated.
import { readChar } from "../../firmware/ble/engine";
import { CH_BATTERY, CH_CONFIG, CH_RACP, CH_RECORDS, CH_STATUS, CH_TIME } from "../../firmware/ble/uuids";
import { exampleEngine } from "./fixture";
import { hex, unhex } from "./fake-log";

const CH: Record<string, number> = { RECORDS: CH_RECORDS, RACP: CH_RACP, TIME: CH_TIME, STATUS: CH_STATUS, CONFIG: CH_CONFIG, BATTERY: CH_BATTERY };
const NAME: Record<number, string> = Object.fromEntries(Object.entries(CH).map(([k, v]) => [v, k]));

function runBlock(lines: string[]): string[] {
  const { engine, sender, clock } = exampleEngine();
  const out: string[] = [];
  for (const raw of lines) {
    const line = raw.trim();
    if (line.startsWith("<")) continue; // regenerated
    if (line === "" || line.startsWith("#")) {
      out.push(raw);
      continue;
    }
    const parts = line.split(/\s+/);
    if (parts[0] === "link") {
      const mtu = Number(/mtu=(\d+)/.exec(line)![1]);
      const bonded = parts.includes("bonded");
      // The phone's MTU: the cap starts at 3 records per notification (the adapter's engine.link(53)); a link
      // with a smaller MTU refuses that notification and the RACP falls back to one record each.
      engine.link(53);
      sender.maxRecords = Math.min(mtu, 53) - 3;
      sender.onRefused = () => engine.racp.notifyRefused();
      engine.trusted = bonded;
      sender.take();
      out.push(line);
    } else if (parts[0] === "clock") {
      clock.t = Number(parts[1]);
      out.push(line);
    } else if (parts[0] === ">") {
      const ch = CH[parts[1]];
      const data = unhex(parts.slice(2).filter((p) => !p.startsWith("!")).join(" "));
      const att = engine.write(ch, data);
      engine.racp.pump();
      out.push(`> ${parts[1]} ${hex(data)}${att ? ` !${att.toString(16).padStart(2, "0")}` : ""}`.trimEnd());
      for (const p of sender.take()) out.push(`< ${p.kind} ${NAME[p.ch]} ${hex(p.data)}`);
    } else if (parts[0] === "?") {
      const v = readChar(engine, CH[parts[1]]);
      out.push(`? ${parts[1]} ${typeof v === "number" ? "!" + v.toString(16).padStart(2, "0") : hex(v)}`);
    } else {
      throw new Error("unknown flow line: " + line);
    }
  }
  return out;
}

export function regenerate(md: string): string {
  const lines = md.split("\n");
  const res: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    res.push(lines[i]);
    if (lines[i].trim() === "```flow") {
      const body: string[] = [];
      i++;
      while (lines[i].trim() !== "```") body.push(lines[i++]);
      res.push(...runBlock(body));
      res.push(lines[i]);
    }
  }
  return res.join("\n");
}

export function flowBlocks(md: string): string[][] {
  const blocks: string[][] = [];
  const lines = md.split("\n");
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].trim() !== "```flow") continue;
    const b: string[] = [];
    i++;
    while (lines[i].trim() !== "```") b.push(lines[i++]);
    blocks.push(b);
  }
  return blocks;
}
