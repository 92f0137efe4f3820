// The bundle runs at the interpreter's global scope (esbuild format "esm", no IIFE): on Espruino a function
// defined at global scope keeps no link to its defining scope, where one defined inside the IIFE kept a
// "\xFFsco" name and, one level deeper, its own copy of the scope chain as an Array (jsparse.c,
// jspeiGetScopesAsVar). Measured on the 2,950-variable 2v29 build: 2,711 -> 2,385 variables after boot with
// BLE (docs/benchmarks.md §5).
//
// The price is that every top-level name of the bundle is a global, so none may be the name of something the
// interpreter already has there: a top-level `var D5` or `function print` would replace the built-in for the
// whole interpreter. The build makes esbuild treat these names as taken (reserveGlobalsSource): it never
// renames to them, and renames a source name that collides (readable builds too). The bundle check then
// refuses any top-level binding with one of these names.
//
// Sources: the host 2v29 build's `Object.getOwnPropertyNames(global)` (measured), the classes and objects the
// nRF52 builds add (libs/bluetooth/jswrap_bluetooth.c, libs/puckjs/jswrap_puck.c: NRF, Bluetooth, Puck,
// BluetoothDevice..., FET) and the named pins of boards/MDBT42Q.py and boards/PUCKJS.py (LED1-3, BTN, BTN1,
// IR), D0-D31 of the nRF52832, and every global any board's build declares (ANY_BOARD below).
const HOST = [
  "quit", "JSON", "Function", "Object", "AES", "Array", "ArrayBuffer", "ArrayBufferView", "Boolean", "DataView",
  "Date", "E", "Error", "File", "Float32Array", "Float64Array", "Graphics", "HIGH", "I2C", "I2C1", "I2C2", "I2C3",
  "Infinity", "Int16Array", "Int32Array", "Int8Array", "InternalError", "LOW", "LoopbackA", "LoopbackB", "Math",
  "Modules", "NaN", "Number", "OneWire", "Pin", "Promise", "ReferenceError", "RegExp", "SPI", "SPI1", "SPI2",
  "SPI3", "Serial", "Serial1", "Serial2", "Serial3", "Serial4", "Serial5", "Serial6", "Server", "Socket",
  "StorageFile", "String", "SyntaxError", "TFMicroInterpreter", "Telnet", "TypeError", "USB", "Uint16Array",
  "Uint24Array", "Uint32Array", "Uint8Array", "Uint8ClampedArray", "Waveform", "analogRead", "analogWrite",
  "atob", "btoa", "changeInterval", "clearInterval", "clearTimeout", "clearWatch", "console",
  "decodeURIComponent", "dgramSocket", "digitalPulse", "digitalRead", "digitalWrite", "dump", "echo", "edit",
  "encodeURIComponent", "getPinMode", "getSerial", "getTime", "global", "globalThis", "httpCRq", "httpCRs",
  "httpSRq", "httpSRs", "httpSrv", "isFinite", "isNaN", "load", "parseFloat", "parseInt", "peek16", "peek32",
  "peek8", "pinMode", "poke16", "poke32", "poke8", "print", "process", "require", "reset", "save",
  "setBusyIndicator", "setInterval", "setSleepIndicator", "setTime", "setTimeout", "setWatch", "shiftOut",
  "trace", "url",
];
const NRF52 = [
  "NRF", "Bluetooth", "BluetoothDevice", "BluetoothRemoteGATTServer", "BluetoothRemoteGATTService",
  "BluetoothRemoteGATTCharacteristic", "Puck", "FET", "LED", "LED1", "LED2", "LED3", "BTN", "BTN1", "IR",
  // called by name by the interpreter when defined: at boot, and by the 2v29 event loop
  "onInit",
];
// Every other global that a wrapper declaration in the 2v29 sources names (src/, libs/, targets/: JSON blocks of
// type "class", "object", or "function"/"variable" without a class), whatever board it is built for: a
// superset, so a module or a build option of the cap's firmware build cannot add a name the gate missed.
const ANY_BOARD = [
  "BTNA", "BTNB", "BTND", "BTNL", "BTNR", "BTNU", "Badge", "Bangle", "CN1", "CORNER1", "CORNER2", "CORNER3",
  "CORNER4", "CORNER5", "CORNER6", "Dickens", "ESP32", "ESP8266", "Ethernet", "IRL", "IRLED", "IRR", "Jolt",
  "ML1", "ML2", "MR1", "MR2", "Microbit", "NodeMCU", "Nucleo", "P1", "P3", "Pip", "Pixl", "Q", "Q0", "Q1", "Q2",
  "Q3", "Queue", "Qwiic", "SCL", "SDA", "SERVO", "SPK", "SWDCON", "Stepper", "Task", "Terminal", "Timer", "Trig",
  "Unistroke", "VIBRATE", "WLAN", "WioLTE", "__FILE__", "acceleration", "compass", "setDeepSleep", "show",
];
const PINS = Array.from({ length: 33 }, (_, i) => `D${i}`);

/** Names that no top-level binding of the bundle may take. */
export const ESPRUINO_GLOBALS = Object.freeze([...new Set([...HOST, ...NRF52, ...ANY_BOARD, ...PINS])]);

/** Appended to the entry, for esbuild only: a dead branch that mentions each name, so esbuild counts them as
 *  globals in use and never binds them (its minifier and its collision renamer both avoid such names). The
 *  branch is dropped from minified output. (It must sit in a module that is part of the output; a separate
 *  side-effect-free module would be shaken off with its names. So a name the entry itself declares at its top
 *  level binds the mention instead; the bundle check then refuses it with its place.) "arguments" and "eval"
 *  cannot be written this way and are never renaming targets anyway. */
export function reserveGlobalsSource() {
  return `\n;if (false) { ${ESPRUINO_GLOBALS.join(";")}; }\n`;
}
