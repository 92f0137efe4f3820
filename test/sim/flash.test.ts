// require("Flash") and require("Storage") over the NOR model, against Espruino's rules
// (https://www.espruino.com/Reference#Flash, #Storage; src/jshardware_common.c, src/jsflash.c).
import { bootCodeBytes } from "../../sim/device.js";
import { describe, expect, it } from "vitest";
import { deviceWith, outputText } from "./helpers.js";

describe("require('Flash') on nRF52", () => {
  it("getFree lists the pages below Storage (0x6C000); getPage gives 4096-byte pages", () => {
    const d = deviceWith(""); // the cap's build: its measured free pages (boards/measured.json)
    expect(d.evaluate("JSON.stringify(require('Flash').getFree())")).toBe(JSON.stringify([{ addr: 0x6c000 - 20 * 4096, length: 20 * 4096 }]));
    expect(d.evaluate("JSON.stringify(require('Flash').getPage(0x6C123))")).toBe(JSON.stringify({ addr: 0x6c000, length: 4096 }));
    const p = deviceWith("", { freePages: 3 });
    expect(p.evaluate("require('Flash').getFree()[0].addr")).toBe(0x6c000 - 3 * 4096);
  });

  it("a write over bits that are not erased ANDs them; erasePage sets 0xFF and counts", () => {
    const d = deviceWith("var f = require('Flash'); var a = f.getFree()[0].addr;");
    d.evaluate("f.write(new Uint8Array([0xF0, 0x0F, 0xFF, 0x00]), a); f.write(new Uint8Array([0x3C, 0xFF, 0x0F, 0xFF]), a);");
    expect(d.evaluate("Array.prototype.slice.call(f.read(4, a))")).toEqual([0x30, 0x0f, 0x0f, 0x00]);
    d.evaluate("f.erasePage(a + 100)");
    expect(d.evaluate("f.read(4, a).join()")).toBe("255,255,255,255");
    expect(d.flashStats().maxEraseCount).toBe(1);
  });

  it("unaligned writes are merged into whole words as jshFlashWriteAligned does", () => {
    const d = deviceWith("var f = require('Flash'); var a = f.getFree()[0].addr;");
    d.evaluate("f.write('ABCDEFG', a + 3)"); // head 1 byte, one whole word, tail 2 bytes
    expect(d.evaluate("E.toString(f.read(12, a))")).toBe("\xff\xff\xffABCDEFG\xff\xff");
    expect(d.flash.wordWrites).toBe(3);
    d.evaluate("f.write('a', a + 1)"); // a one-byte write inside an already written word leaves the rest intact
    expect(d.evaluate("E.toString(f.read(4, a))")).toBe("\xffa\xffA");
  });

  it("refuses addresses outside the simulated flash with a clear error", () => {
    const d = deviceWith("");
    d.evaluate("require('Flash').erasePage(0x1000)");
    expect(d.errors[0].message).toMatch(/outside the simulated flash/);
  });

  it("a power cut at the Nth word write stops the device; earlier words are kept, the Nth is torn", () => {
    const d = deviceWith("var f = require('Flash'); var a = f.getFree()[0].addr; setTimeout(function(){ f.write(new Uint8Array(16), a); print('after'); }, 1000);");
    const activity: string[] = [];
    d.onActivity((_t, x) => {
      if (x.kind === "flashWrite") activity.push("w");
    });
    d.cutPowerAt({ kind: "wordWrite", at: 3 });
    d.clock.advance(2);
    expect(d.running).toBe(false);
    expect(outputText(d)).toContain("[power lost]");
    expect(outputText(d)).not.toContain("after");
    expect(d.errors).toEqual([]);
    const b = d.flash.bytes;
    const base = 0;
    expect(Array.from(b.slice(base, base + 8))).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    expect(Array.from(b.slice(base + 12, base + 16))).toEqual([255, 255, 255, 255]);
    expect(activity.length).toBe(3);
    d.powerOn();
    expect(d.lastResetReason).toBe("power-on");
    expect(d.evaluate("f.read(4, a).join()")).toBe("0,0,0,0");
  });

  it("a power cut during the next erase also stops the device even if the firmware catches the error", () => {
    const d = deviceWith("var f = require('Flash'); var a = f.getFree()[0].addr; setTimeout(function(){ try { f.erasePage(a); } catch (e) { print('caught'); } digitalWrite(LED1, 1); print('still running'); }, 10);");
    d.cutPowerAt({ kind: "erase", at: 1 });
    d.clock.advance(1);
    expect(d.running).toBe(false);
    expect(outputText(d)).not.toContain("still running");
  });
});

describe("require('Storage')", () => {
  it("write, read, readJSON, readArrayBuffer, list, erase", () => {
    const d = deviceWith("var s = require('Storage');");
    d.evaluate("s.write('cfg', {a: 1}); s.write('bin', new Uint8Array([1, 2, 3]));");
    expect(d.evaluate("s.readJSON('cfg').a")).toBe(1);
    expect(d.evaluate("new Uint8Array(s.readArrayBuffer('bin')).join()")).toBe("1,2,3");
    expect(d.evaluate("s.list().join()")).toBe("pencap.cfg,.bootcde,cfg,bin"); // the upload (flash.sh) leaves the config file and the bundle as Storage files too
    d.evaluate("s.erase('cfg')");
    expect(d.evaluate("s.list().join() + ' ' + typeof s.read('cfg')")).toBe("pencap.cfg,.bootcde,bin undefined");
  });

  it("write with offset/size creates a file of that size; later writes by offset go into erased bytes only", () => {
    const d = deviceWith("var s = require('Storage');");
    d.evaluate("s.write('log', 'AB', 0, 8)");
    expect(d.evaluate("s.read('log')")).toBe("AB\xff\xff\xff\xff\xff\xff");
    d.evaluate("s.write('log', 'CD', 2)");
    expect(d.evaluate("s.read('log')")).toBe("ABCD\xff\xff\xff\xff");
    d.evaluate("try { s.write('log', 'xy', 0+1) } catch (e) { print(e.message) }");
    expect(outputText(d)).toContain("File already written with different data");
    d.evaluate("try { s.write('log', 'xyzxyz', 4) } catch (e) { print(e.message) }");
    expect(outputText(d)).toContain("Too much data for file size");
    d.evaluate("try { s.write('nofile', 'x', 4) } catch (e) { print(e.message) }");
    expect(outputText(d)).toContain("Unable to find or create file");
  });

  it("a plain rewrite makes a new copy (the old one is marked replaced); the same contents are not rewritten", () => {
    const d = deviceWith("var s = require('Storage');");
    d.evaluate("s.write('a', 'hello')");
    const free1 = d.evaluate("s.getFree()") as number;
    d.evaluate("s.write('a', 'hello')");
    expect(d.evaluate("s.getFree()")).toBe(free1);
    d.evaluate("s.write('a', 'world')");
    expect(d.evaluate("s.read('a')")).toBe("world");
    expect(d.evaluate("s.getFree()")).toBe(free1 - 40);
    expect(d.evaluate("s.getStats().trashCount")).toBe(1);
  });

  it("compacts when full and the live files survive", () => {
    const d = deviceWith("var s = require('Storage'); var big = new Uint8Array(3000).fill(7);");
    d.evaluate("s.write('keep', 'important');");
    for (let i = 0; i < 30; i++) d.evaluate(`big.fill(${i}); s.write("churn", big); s.write("n", "${i}")`);
    expect(d.runtime!.storage.compactions).toBeGreaterThan(0);
    expect(d.evaluate("s.read('keep') + ' ' + s.read('n') + ' ' + s.list().length")).toBe("important 29 5"); // with .bootcde and pencap.cfg
    expect(d.errors).toEqual([]);
  });

  it("Storage lives in flash pages: a reboot keeps files, a power cut mid-write leaves the old copy readable", () => {
    const d = deviceWith("var s = require('Storage'); if (!s.read('v')) s.write('v', 'one');");
    d.reboot();
    d.clock.advance(1);
    expect(d.evaluate("s.read('v')")).toBe("one");
    d.cutPowerAt({ kind: "wordWrite", at: 1 }); // the header of the new copy is torn
    d.evaluate("s.write('v', 'two')");
    expect(d.running).toBe(false);
    d.powerOn();
    expect(d.evaluate("s.read('v')")).toBe("one");
  });
});

describe("E.getAddressOf and memory-mapped Storage", () => {
  it("on nRF52 a string from Storage.read has its flash address; Flash.read there gives the same bytes", () => {
    const d = deviceWith("var s = require('Storage'); s.write('res', 'xyz', 0, 5000); var a = E.getAddressOf(s.read('res'), true);");
    const a = d.evaluate("a") as number;
    expect(a).toBeGreaterThanOrEqual(0x6c000 + 32);
    expect(d.evaluate("E.toString(require('Flash').read(3, a))")).toBe("xyz");
    const l = deviceWith("var s = require('Storage'); s.write('res', 'xyz'); var a = E.getAddressOf(s.read('res'), true);", { board: "LINUX" });
    expect(l.evaluate("a")).toBe(0); // the host build copies Storage reads into RAM
  });
});

describe("the bundle in Storage (.bootcde), as flash.sh uploads it", () => {
  it("boots from .bootcde; a firmware that erases it boots empty next time", () => {
    const src = "print('hi ' + require('Storage').read('.bootcde').length); if (typeof armed === 'undefined') global.armed = 1;";
    const d = deviceWith(src);
    // stored pretokenised, as flash.sh uploads it: fewer bytes than the text
    const n = bootCodeBytes(src).length;
    expect(n).toBeLessThan(src.length);
    expect(outputText(d)).toEqual([`hi ${n}`]);
    d.evaluate("require('Storage').erase('.bootcde')");
    d.reboot();
    d.clock.advance(1);
    expect(d.bootCount).toBe(2);
    expect(outputText(d)).toEqual([`hi ${n}`]);
    expect(d.evaluate("typeof armed")).toBe("undefined");
  });

  it("a bundle that does not fit in Storage fails as the upload would", () => {
    // a string literal the tokeniser cannot shrink (only keywords, operators, strings' quotes and integers go)
    expect(() => deviceWith("var s='" + "x".repeat(50_000) + "';")).toThrow(/does not fit in PENCAP's Storage/);
  });

  it("installBundle: false runs the bundle without writing Storage", () => {
    const d = deviceWith("print(require('Storage').list().length)", { installBundle: false });
    expect(outputText(d)).toEqual(["0"]);
  });
});
