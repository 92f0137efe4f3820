// docs/protocol.md's hex examples are the vectors: every flow is executed against the engine, the document
// being the source of what must happen (test/ble/doc-flows.ts); nothing regenerates it.
import { readChar } from "../../firmware/ble/engine";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { checkFlow, flowBlocks } from "./doc-flows";
import { exampleEngine, exampleLog } from "./fixture";
import { hex } from "./fake-log";
import { decodeRecord } from "../../client/record";
import { decodeStatus } from "../../client/client";

const md = readFileSync("docs/protocol.md", "utf8");
const vector = (name: string) => {
  const m = new RegExp("```vector " + name + "\\n([^`]*)```").exec(md);
  if (!m) throw new Error("no vector " + name);
  return m[1].trim();
};

describe("docs/protocol.md", () => {
  it("has flows for pairing, first and incremental sync, time, annotation, delete, config, errors", () => {
    expect(flowBlocks(md).length).toBeGreaterThanOrEqual(10);
  });
  it.each(flowBlocks(md).map((b) => [b.line, b] as const))("the flow at docs/protocol.md:%i happens byte for byte", (_line, block) => {
    expect(checkFlow(block)).toEqual([]);
  });
  it("a flow that says something the engine does not do fails, at its line", () => {
    const [first] = flowBlocks(md).filter((b) => b.lines.some((l) => l.trim().startsWith("<")));
    const i = first.lines.findIndex((l) => l.trim().startsWith("<"));
    const lines = [...first.lines];
    lines[i] = lines[i].replace(/[0-9a-f]{2}$/, (x) => (x === "00" ? "01" : "00"));
    expect(checkFlow({ line: first.line, lines }).map((m) => m.line)).toEqual([first.line + i]);
    // A notification the document leaves out fails too.
    expect(checkFlow({ line: first.line, lines: first.lines.filter((_, k) => k !== i) }).length).toBeGreaterThan(0);
  });
  it("record-3 vector is the example log's record 3 and verifies", () => {
    const buf = new Uint8Array(16);
    expect(exampleLog().readFrom(3, buf)).toBe(3);
    expect(hex(buf)).toBe(vector("record-3"));
    expect(decodeRecord(buf)).toEqual({ seq: 3, time: 1764003600, type: 1, flags: 0x10, a: 8, b: 0x0c16, check: 0xe2c4 });
  });
  it("advertising vector is what the engine advertises for the example cap", () => {
    const { engine } = exampleEngine();
    expect(hex(engine.advertising())).toBe(vector("advertising"));
    expect(engine.advertising().length).toBe(21);
    expect(hex(engine.advertising().subarray(0, 3))).toBe(vector("advertising-closed"));
  });
  it("the example Status decodes to the documented fields", () => {
    const { engine } = exampleEngine();
    engine.trusted = true;
    const s = decodeStatus(readChar(engine, 4) as Uint8Array);
    expect(s).toMatchObject({ batteryPercent: 87, alertBits: 0, count: 5, newestSeq: 4, lastDoseTime: 1764003600, oldestSeq: 0, deletedThrough: -1 });
  });
});
