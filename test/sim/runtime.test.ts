// The simulated Espruino globals against Espruino's documented behaviour (https://www.espruino.com/Reference)
// and the 2v29 interpreter sources where the page is vague.
import { describe, expect, it } from "vitest";
import { SimDevice } from "../../sim/device.js";
import { deviceWith, outputText } from "./helpers.js";
import { callbackSeconds } from "../../sim/cpu.js";

describe("isolation: a bundle in the vm cannot reach Node", () => {
  it("has no Node globals and require only knows Espruino modules", () => {
    const d = deviceWith("");
    expect(d.evaluate("typeof Buffer + typeof setImmediate + typeof globalThis.require('fs') + typeof module + typeof exports")).toBe(
      "undefinedundefinedundefinedundefinedundefined",
    );
    expect(outputText(d)).toContain('WARNING: Module "fs" not found');
    expect(d.evaluate("typeof process.exit + typeof process.binding + typeof process.versions + process.env.BOARD")).toBe("undefinedundefinedundefinedPENCAP");
  });

  it("cannot escape through the constructors of API functions, results or thrown errors", () => {
    const d = deviceWith("");
    const probes = [
      "digitalWrite.constructor('return typeof process.binding')()",
      "E.CRC32.constructor('return typeof process.binding')()",
      "require('Storage').list.constructor('return typeof process.binding')()",
      "NRF.setServices.constructor('return typeof process.binding')()",
      "(function(){ try { require('Flash').read(4, 0) } catch (e) { return e.constructor.constructor('return typeof process.binding')(); } })()",
      "(function(){ try { clearTimeout(undefined) } catch (e) { return e.constructor.constructor('return typeof process.binding')(); } })()",
      "require('Flash').getFree().constructor.constructor('return typeof process.binding')()",
      "D5.read.constructor('return typeof process.binding')()",
      "require('Flash').constructor.constructor('return typeof process.binding')()",
      "require('Storage').constructor.constructor('return typeof process.binding')()",
      "E.constructor.constructor('return typeof process.binding')()",
      "process.constructor.constructor('return typeof process.binding')()",
      "Object.getPrototypeOf(require('Flash').getFree).constructor('return typeof process.binding')()",
    ];
    for (const p of probes) expect(d.evaluate(p), p).toBe("undefined");
    expect(d.errors).toEqual([]);
  });

  it("lacks the built-ins Espruino 2v29 lacks", () => {
    const d = deviceWith("");
    expect(d.evaluate("[typeof Map, typeof Set, typeof Symbol, typeof Array.from, typeof Math.trunc, typeof Number.isInteger].join()")).toBe(
      "undefined,undefined,undefined,undefined,undefined,undefined",
    );
  });
});

describe("timers", () => {
  it("setTimeout/setInterval take ms, return integer ids, and clearTimeout() clears all", () => {
    const d = deviceWith("var log=[]; var a=setTimeout(function(){log.push('t')}, 1500); var b=setInterval(function(x){log.push(x)}, 1000, 'i');");
    expect(d.evaluate("[a, b]")).toEqual([1, 2]);
    d.clock.advance(3.2);
    expect(d.evaluate("log.join()")).toBe("i,t,i,i");
    d.evaluate("clearTimeout()");
    d.clock.advance(10);
    expect(d.evaluate("log.length")).toBe(4);
    expect(() => d.evaluate("clearTimeout(undefined)")).not.toThrow();
    expect(d.errors.at(-1)?.message).toMatch(/clearTimeout\(undefined\) not allowed/);
  });

  it("changeInterval sets the new period and the next run is that long from now", () => {
    const d = deviceWith("var times=[]; var id=setInterval(function(){times.push(getTime())}, 1000);");
    d.clock.advance(2.5);
    d.evaluate("changeInterval(id, 3000)");
    d.clock.advance(7);
    // 3 s from the call: after the CPU time the evaluated code spent before it (Espruino counts a timer from
    // jshGetSystemTime() at the call), a few ms on the nRF52 model; then every 3 s without drift
    const t = d.evaluate("times") as number[];
    expect(t.slice(0, 2)).toEqual([1, 2]);
    expect(t[2] - 5.5).toBeGreaterThan(0);
    expect(t[2] - 5.5).toBeLessThan(0.005);
    expect(t[3] - t[2]).toBeCloseTo(3, 9);
    expect(t).toHaveLength(4);
    d.evaluate("try { changeInterval(99, 10) } catch (e) { print(e.message) }");
    expect(outputText(d)).toContain("Unknown Interval");
  });

  it("a timeout set inside a callback counts from the CPU time the callback spent before the call, as on Espruino", () => {
    // 2v29 stores a new timer as (jshGetSystemTime() - jsiLastIdleTime) + interval: from the moment of the call
    const d = deviceWith(
      "var t=[]; setTimeout(function(){ var s=0; for (var i=0;i<3000;i++) s+=i; setTimeout(function(){ t.push(getTime()); }, 1000); }, 1000);",
    );
    d.clock.advance(5);
    const t = d.evaluate("t") as number[];
    expect(t).toHaveLength(1);
    // at least the loop's 3,000 steps on the nRF52 model (~0.5 s at the default slow end), at most a few more
    const spent = t[0] - 2;
    expect(spent).toBeGreaterThan(callbackSeconds(0, 3000, d.cpuMsPerUnit));
    expect(spent).toBeLessThan(callbackSeconds(2, 3010, d.cpuMsPerUnit));
  });

  it("changeInterval inside the interval's own callback: the next run is the firing's due time + the new period", () => {
    // 2v29 jsiIdle sets an interval's next time after its callback returns, timerTime + the interval as it is
    // then: a changeInterval made inside counts from the due time, whatever CPU time the callback spent
    const d = deviceWith(
      "var times=[]; var n=0; var id=setInterval(function(){ times.push(getTime()); if (++n === 2) { var s=0; for (var i=0;i<3000;i++) s+=i; changeInterval(id, 3000); } }, 1000);",
    );
    d.clock.advance(9);
    const t = d.evaluate("times") as number[];
    expect(t[1]).toBeCloseTo(2, 9);
    expect(t[2]).toBeCloseTo(5, 9);
    expect(t[3]).toBeCloseTo(8, 9);
  });

  it("setTime moves getTime and Date but pending timers keep their delays", () => {
    const d = deviceWith("var fired=[]; setTimeout(function(){ fired.push(getTime()); }, 10000);");
    d.clock.advance(4);
    expect(d.evaluate("getTime()")).toBe(4);
    d.evaluate("setTime(1700000000)");
    expect(d.evaluate("Date.now()")).toBe(1700000000000);
    expect(d.evaluate("new Date().getTime()")).toBe(1700000000000);
    d.clock.advance(5.9);
    expect(d.evaluate("fired.length")).toBe(0);
    d.clock.advance(0.2);
    expect(d.evaluate("fired")).toEqual([1700000006]);
  });

  it("two weeks with a 1-minute interval run all 20160 callbacks", () => {
    const d = deviceWith("var n=0; setInterval(function(){ n++; }, 60000);");
    d.clock.advance(14 * 86400);
    expect(d.evaluate("n")).toBe(20160);
  });
});

describe("pins and setWatch", () => {
  it("digitalWrite/digitalRead with automatic pin mode, LED activity", () => {
    const d = deviceWith("");
    const pins: string[] = [];
    d.onActivity((_t, a) => {
      if (a.kind === "pin") pins.push(`${a.pin}:${a.on}`);
    });
    d.evaluate("digitalWrite(LED1, 1); digitalWrite(LED1, 0); digitalPulse(D4, 1, [100, 50, 100]);");
    d.clock.advance(1);
    expect(pins).toEqual(["LED1:true", "LED1:false", "BUZZER:true", "BUZZER:false", "BUZZER:true", "BUZZER:false"]);
    d.setInput("D5", true);
    expect(d.evaluate("digitalRead(D5)")).toBe(1);
    expect(d.evaluate("pinMode(D3, 'input_pullup'); digitalRead(D3)")).toBe(1);
  });

  it("edge, repeat, and the event's time/lastTime without debounce", () => {
    const d = deviceWith("var ev=[]; setWatch(function(e){ ev.push([e.state, e.time, e.lastTime]); }, D5, { repeat: true, edge: 'rising' });");
    d.clock.advance(1);
    d.setInput("D5", true);
    d.clock.advance(1);
    d.setInput("D5", false);
    d.clock.advance(1);
    d.setInput("D5", true);
    // lastTime is the previous edge of either direction (watch.lastTime is updated on every edge).
    expect(d.evaluate("ev")).toEqual([
      [true, 1, undefined],
      [true, 3, 2],
    ]);
  });

  it("a non-repeating watch fires once", () => {
    const d = deviceWith("var n=0; setWatch(function(){ n++; }, D5);");
    d.setInput("D5", true);
    d.setInput("D5", false);
    expect(d.evaluate("n")).toBe(1);
  });

  it("debounce on a bouncing input: one event, at the last edge's time, after `debounce` ms of quiet", () => {
    const d = deviceWith("var ev=[]; setWatch(function(e){ ev.push([e.state, e.time, getTime()]); }, D5, { repeat: true, edge: 'both', debounce: 20 });");
    d.clock.advance(10);
    // Bounce: high, low, high within 6 ms, then stays high.
    d.setInput("D5", true);
    d.clock.advance(0.002);
    d.setInput("D5", false);
    d.clock.advance(0.004);
    d.setInput("D5", true);
    d.clock.advance(0.019);
    expect(d.evaluate("ev.length")).toBe(0);
    d.clock.advance(0.01);
    const ev = d.evaluate("ev") as number[][];
    expect(ev.length).toBe(1);
    expect(ev[0][0]).toBe(true);
    expect(ev[0][1]).toBeCloseTo(10.006, 9); // the time of the last edge
    expect(ev[0][2]).toBeCloseTo(10.026, 9); // delivered debounce ms after it
    // A glitch that returns to the settled level within the debounce time gives no event.
    d.setInput("D5", false);
    d.clock.advance(0.005);
    d.setInput("D5", true);
    d.clock.advance(1);
    expect(d.evaluate("ev.length")).toBe(1);
  });

  it("the button defaults to rising edge with 25 ms debounce", () => {
    const d = deviceWith("var n=0; setWatch(function(){ n++; }, BTN, { repeat: true });");
    d.setInput("D0", true);
    d.clock.advance(0.03);
    d.setInput("D0", false);
    d.clock.advance(0.03);
    expect(d.evaluate("n")).toBe(1);
  });
});

describe("E", () => {
  it("CRC32 is the standard CRC-32 for strings and arrays", () => {
    const d = deviceWith("");
    expect(d.evaluate("E.CRC32('123456789')")).toBe(0xcbf43926);
    expect(d.evaluate("E.CRC32(new Uint8Array([49,50,51,52,53,54,55,56,57]))")).toBe(0xcbf43926);
    expect(d.evaluate("E.CRC32([49,50,51,52,53,54,55,56,57])")).toBe(0xcbf43926);
  });

  it("toString and toUint8Array convert as Espruino does", () => {
    const d = deviceWith("");
    expect(d.evaluate("E.toString(new Uint8Array([72, 105]), 'x', [33])")).toBe("Hix!");
    expect(d.evaluate("var u = E.toUint8Array('AB', [1, 2], 3); (u instanceof Uint8Array) + ':' + u.join()")).toBe("true:65,66,1,2,3");
  });

  it("getTemperature follows the scenario in 0.25 °C steps; E.on('init') runs after the bundle", () => {
    const d = new SimDevice({ bundle: "var order=[]; E.on('init', function(){ order.push('init'); }); order.push('bundle');" });
    d.temperature = 31.1;
    d.powerOn();
    expect(d.evaluate("E.getTemperature()")).toBe(31);
    expect(d.evaluate("order.join()")).toBe("bundle,init");
  });

  it("an uncaught error is printed and collected and the device carries on", () => {
    const d = deviceWith("var n=0; setInterval(function(){ n++; if (n===2) throw { code: 'X', message: 'boom' }; }, 1000);");
    d.clock.advance(5);
    expect(d.evaluate("n")).toBe(5);
    expect(d.errors.map((e) => e.message)).toEqual(['{"code":"X","message":"boom"}']);
    expect(outputText(d)).toContain("Uncaught [object Object]"); // as Espruino 2v29 prints a thrown plain object
  });

  it("process.on('uncaughtException') receives the error instead", () => {
    const d = deviceWith("var got; process.on('uncaughtException', function(e){ got = e.message; }); setTimeout(function(){ throw new Error('oops'); }, 10);");
    d.clock.advance(1);
    expect(d.evaluate("got")).toBe("oops");
    expect(outputText(d)).toEqual([]); // nothing printed, as Espruino does with a handler
    expect(d.errors.map((e) => [e.message, e.handled])).toEqual([["Error: oops", true]]);
  });
});

describe("watchdog, reboot, power", () => {
  it("a missed kick resets the device (reason watchdog) and flash survives", () => {
    const bundle = `
      var f = require("Flash"); var a = f.getFree()[0].addr;
      var boots = f.read(4, a)[0] === 0xFF ? 0 : 1;
      if (!boots) f.write([1, 2, 3, 4], a);
      print("boot " + boots + " reason " + peek32(0x40000400));
      E.enableWatchdog(2, false);
      var kicks = 0;
      setInterval(function () { if (kicks++ < 3) E.kickWatchdog(); }, 1000);`;
    const d = deviceWith(bundle);
    d.clock.advance(4.5);
    expect(d.bootCount).toBe(1);
    d.clock.advance(1); // last kick at 3 s: reset at 5 s
    expect(d.lastResetReason).toBe("watchdog");
    d.clock.advance(0.2);
    expect(d.bootCount).toBe(2);
    expect(outputText(d)).toEqual(["boot 0 reason 0", "[watchdog reset]", "boot 1 reason 2"]);
    expect(Array.from(d.flash.read(d.board.freeAddress, 4))).toEqual([1, 2, 3, 4]);
  });

  it("E.reboot stops the callback at once and boots a fresh heap over the same flash", () => {
    const d = deviceWith("var x = typeof x === 'undefined' ? 1 : x + 1; print('x=' + x + ' ' + peek32(0x40000400)); setTimeout(function(){ E.reboot(); print('not reached'); }, 100);");
    d.clock.advance(0.15);
    expect(d.bootCount).toBe(1);
    d.clock.advance(0.1);
    expect(d.bootCount).toBe(2);
    expect(d.lastResetReason).toBe("software");
    expect(outputText(d).filter((l) => l.startsWith("x="))).toEqual(["x=1 0", "x=1 4"]);
    expect(outputText(d)).not.toContain("not reached");
    expect(d.errors).toEqual([]);
  });

  it("getTime survives a soft reset and restarts at 0 after a power cut", () => {
    const d = deviceWith("");
    d.clock.advance(100);
    d.evaluate("setTime(5000)");
    d.reboot();
    d.clock.advance(1);
    expect(d.evaluate("Math.round(getTime())")).toBe(5001);
    d.cutPower();
    d.clock.advance(10);
    d.powerOn();
    expect(d.evaluate("getTime()")).toBe(0);
  });

  it("removing the battery stops everything; inserting it boots with reason power-on", () => {
    const d = deviceWith("var n=0; setInterval(function(){ n++; }, 1000);");
    d.clock.advance(3);
    d.removeBattery();
    expect(d.running).toBe(false);
    d.clock.advance(100);
    expect(d.clock.pending()).toBe(0);
    d.insertBattery();
    expect(d.lastResetReason).toBe("power-on");
    expect(d.evaluate("n")).toBe(0);
  });

  it("NRF.getBattery reads the battery model and sags under a flash erase", () => {
    const d = deviceWith("");
    const idle = d.evaluate("NRF.getBattery()") as number;
    expect(idle).toBeGreaterThan(2.9);
    const loaded = d.evaluate("var f=require('Flash'); f.erasePage(f.getFree()[0].addr); NRF.getBattery()") as number;
    expect(loaded).toBeLessThan(idle);
    d.battery.setStateOfCharge(0.05);
    expect(d.evaluate("NRF.getBattery()") as number).toBeLessThan(2.6);
  });

  it("without sim/ble the NRF global throws a clear error; LINUX has no NRF", () => {
    const d = deviceWith("");
    d.evaluate("NRF.setAdvertising({})");
    expect(d.errors[0].message).toMatch(/BLE is not attached/);
    const l = deviceWith("", { board: "LINUX" });
    expect(l.evaluate("typeof NRF + ' ' + process.env.BOARD + ' ' + JSON.stringify(require('Flash').getFree())")).toBe(
      'undefined LINUX [{"addr":268435456,"length":262144}]',
    );
  });
});

describe("Puck.js magnetometer", () => {
  it("magOn(hz) emits 'mag' events at that rate, and the field follows the magnet distance", () => {
    const d = deviceWith("var m=[]; Puck.on('mag', function(v){ m.push(Math.sqrt(v.x*v.x+v.y*v.y+v.z*v.z)); }); Puck.magOn(10);", { board: "PUCKJS" });
    const rates: number[] = [];
    d.onActivity((_t, a) => {
      if (a.kind === "mag") rates.push(a.hz);
    });
    d.magnet.distanceMm = 8;
    d.clock.advance(1.05);
    d.magnet.distanceMm = 200;
    d.clock.advance(1);
    d.evaluate("Puck.magOff()");
    d.clock.advance(1);
    const m = d.evaluate("m") as number[];
    expect(m.length).toBe(20);
    expect(Math.min(...m.slice(0, 10))).toBeGreaterThan(4000); // saturated at ±400 µT per axis
    expect(Math.max(...m.slice(10))).toBeLessThan(1000);
    expect(rates).toEqual([0]);
    expect(d.evaluate("typeof E.getBattery")).toBe("function");
  });
});

describe("promises and outputs across resets", () => {
  it("promise handlers run after the callback that resolved them, before the next timer", () => {
    const d = deviceWith("var log=[]; setTimeout(function(){ Promise.resolve(1).then(function(v){ log.push('then'+v); }); log.push('cb'); }, 10); setTimeout(function(){ log.push('next'); }, 10);");
    d.clock.advance(1);
    expect(d.evaluate("log.join()")).toBe("cb,then1,next");
  });

  it("promise jobs of catch, Promise.all and chained thens also run before the next timer", () => {
    const d = deviceWith(
      "var log=[]; setTimeout(function(){ Promise.reject(1).catch(function(){ log.push('catch'); }); Promise.all([Promise.resolve(2)]).then(function(v){ log.push('all'+v); return 3; }).then(function(v){ log.push('chain'+v); }); }, 10); setTimeout(function(){ log.push('next'); }, 10);",
    );
    d.clock.advance(1);
    expect(d.evaluate("log.join()")).toBe("catch,all2,chain3,next");
  });

  it("a reset turns the LEDs off (pin activity for the energy model)", () => {
    const d = deviceWith("digitalWrite(LED1, 1);");
    const seen: string[] = [];
    d.onActivity((_t, a) => {
      if (a.kind === "pin") seen.push(`${a.pin}:${a.on}`);
    });
    d.reboot();
    expect(seen).toEqual(["LED1:false"]);
  });
});

describe("hangs (the hang guard, on by default)", () => {
  it("a callback that never returns: the auto watchdog resets the device after its timeout", () => {
    const d = deviceWith("print('boot ' + peek32(0x40000400)); E.enableWatchdog(2); if (peek32(0x40000400) === 0) setTimeout(function(){ while (true) {} }, 1000);");
    d.clock.advance(2.5);
    expect(d.bootCount).toBe(1);
    expect(d.errors.map((e) => e.message)).toEqual(["firmware hung: the callback never returned to the idle loop"]);
    d.clock.advance(1);
    expect(d.bootCount).toBe(2);
    expect(d.lastResetReason).toBe("watchdog");
    expect(outputText(d)).toEqual(["boot 0", "[watchdog reset]", "boot 2"]);
  });

  it("without a watchdog the device stays hung until a power cycle", () => {
    const d = deviceWith("var n = 0; setInterval(function(){ n++; }, 100); setTimeout(function(){ while (true) {} }, 1000);");
    d.clock.advance(60);
    expect(d.bootCount).toBe(1);
    expect(d.runtime).toBeNull();
    d.cutPower();
    d.powerOn();
    expect(d.evaluate("n")).toBe(0);
  });
});

describe("the hang guard counts steps, not host time (sim/hang-guard.ts)", () => {
  const hung = (d: SimDevice) => d.errors.filter((e) => e.message.startsWith("firmware hung")).map((e) => e.where);

  it("catching the guard's error does not let a hung callback carry on", () => {
    const d = deviceWith("var after = 0; setTimeout(function(){ for (;;) { try { while (true) {} } catch (e) {} } }, 10); setInterval(function(){ after++; }, 100);");
    d.clock.advance(5);
    expect(hung(d)).toEqual(["setTimeout"]);
    expect(d.runtime).toBeNull();
  });

  it("endless mutual calls through arrow functions are caught before the host's stack overflows", () => {
    const d = deviceWith("var a = (n) => setTimeout(() => b(n), 0), b = (n) => { for (var i = 0; i < 1e9; i++) n++; return n; }; a(0);", { hangGuard: 1_000_000 });
    d.clock.advance(1);
    expect(hung(d)).toEqual(["setTimeout"]);
  });

  it("the budget is per callback and exact: work under it is not a hang, on any host", () => {
    const code = (n: number) => `var done = 0; setInterval(function(){ for (var i = 0; i < ${n}; i++) {} done++; }, 100);`;
    // Steps, not timing: the CPU model (sim/cpu.ts) charges each loop iteration, so it is off here (900 steps
    // at 0.25 ms/unit would outlast the 100 ms interval and the callbacks would queue).
    const ok = deviceWith(code(900), { hangGuard: 1000, cpuMsPerUnit: 0 });
    ok.clock.advance(10);
    expect(hung(ok)).toEqual([]);
    expect(ok.evaluate("done")).toBe(100);
    const over = deviceWith(code(1100), { hangGuard: 1000, cpuMsPerUnit: 0 });
    over.clock.advance(10);
    expect(hung(over)).toEqual(["setInterval"]);
  });

  it("a hang while the bundle itself runs at boot is caught", () => {
    const d = deviceWith("print('start'); while (true) {}");
    expect(hung(d)).toEqual(["boot"]);
    expect(outputText(d)).toEqual(["start"]);
  });

  it("the guard's globals are invisible to the firmware's enumeration", () => {
    const d = deviceWith("");
    expect(d.evaluate("Object.keys(globalThis).filter(function(k){ return k.indexOf('Sim') >= 0 || k.indexOf('sim') >= 0; }).length")).toBe(0);
  });
});

describe("watchdog and flash erase", () => {
  it("a page erase kicks the watchdog on nRF52, as jshFlashErasePages does", () => {
    const d = deviceWith("E.enableWatchdog(2, false); var f = require('Flash'); setInterval(function(){ f.erasePage(f.getFree()[0].addr); }, 1500);");
    d.clock.advance(10);
    expect(d.bootCount).toBe(1);
    d.evaluate("clearInterval()");
    d.clock.advance(3);
    expect(d.lastResetReason).toBe("watchdog");
  });
});

describe("clock epochs", () => {
  it("records power-ons and setTime so cap times can be mapped back to scenario time", () => {
    const d = deviceWith("");
    d.clock.advance(50);
    d.evaluate("setTime(1700000000)");
    d.cutPower();
    d.clock.advance(10);
    d.powerOn();
    expect(d.timeEpochs()).toEqual([
      { fromClock: 0, offset: -0, reason: "power-on" },
      { fromClock: 50, offset: 1700000000 - 50, reason: "setTime" },
      { fromClock: 60, offset: -60, reason: "power-on" },
    ]);
  });
});
