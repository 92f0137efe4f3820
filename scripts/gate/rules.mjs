// What Espruino 2v29 lacks, as measured on the real interpreter (../../../shared/espruino-language.md and
// docs/espruino-gate.md). Shared by the source check (TypeScript checker) and the bundle check (acorn).

/** Global names that do not exist on Espruino: any value reference to them is refused. */
export const MISSING_GLOBALS = new Set([
  "Map", "Set", "WeakMap", "WeakSet", "Symbol", "Reflect", "Proxy", "WeakRef", "FinalizationRegistry",
  "BigInt", "BigInt64Array", "BigUint64Array", "Intl", "SharedArrayBuffer", "Atomics",
  // Modules, not globals: @types/espruino declares them as global namespaces, but on the device
  // `typeof Flash === "undefined"` (measured); they come from require("Flash") / require("Storage").
  "Flash", "Storage",
]);

/** Advice for a missing global. */
export function missingGlobalAdvice(name) {
  if (name === "Flash" || name === "Storage") return `use require("${name}")`;
  return "use arrays, plain objects or typed arrays";
}

const TYPED_ARRAYS = [
  "Int8Array", "Uint8Array", "Uint8ClampedArray", "Int16Array", "Uint16Array",
  "Int32Array", "Uint32Array", "Float32Array", "Float64Array",
];

/** Static members missing on built-in constructors/namespaces: global name -> member names. */
export const MISSING_STATICS = new Map([
  ["Array", new Set(["from", "of"])],
  ["Object", new Set(["freeze", "is", "isFrozen", "seal", "isSealed", "preventExtensions", "groupBy"])],
  ["Number", new Set(["isInteger", "isFinite", "isNaN", "isSafeInteger", "MAX_SAFE_INTEGER", "MIN_SAFE_INTEGER", "EPSILON", "parseInt", "parseFloat"])],
  ["String", new Set(["raw", "fromCodePoint"])],
  ["Math", new Set(["trunc", "imul", "log2", "log10", "clz32", "hypot", "cbrt", "expm1", "log1p", "fround", "sinh", "cosh", "tanh", "asinh", "acosh", "atanh"])],
  ["Date", new Set(["UTC"])],
  ["Promise", new Set(["race", "allSettled", "any"])],
  ...TYPED_ARRAYS.map((t) => [t, new Set(["from", "of"])]),
]);

/**
 * What the cap's own interpreter build changes (boards/PENCAP.py, the defines that bring Flash.getFree() to 20
 * pages): these exist on the host build and the stock boards but behave differently on the cap, so the firmware
 * may not use them (rule `cap-build`). Global name -> member -> why.
 */
const APPROXIMATE = "is approximate on the cap's interpreter build (SAVE_ON_FLASH_MATH, boards/PENCAP.py): " +
  "Espruino's own short series instead of the C library's, so the cap would compute other values than the host build and the simulator";
const NO_PASSWORD = "does nothing on the cap's interpreter build (ESPR_NO_PASSWORD, boards/PENCAP.py)";
export const CAP_BUILD_STATICS = new Map([
  ["Math", new Map(["sin", "cos", "tan", "asin", "acos", "atan", "atan2"].map((m) => [m, APPROXIMATE]))],
  ["E", new Map([["FFT", APPROXIMATE], ["setPassword", NO_PASSWORD], ["lockConsole", NO_PASSWORD]])],
]);
/** Global functions the cap's build leaves out: name -> why. */
export const CAP_BUILD_GLOBALS = new Map([
  ["save", "only prints \"Not implemented in this build\" on the cap's interpreter build (ESPR_NO_VARIMAGE, boards/PENCAP.py); the firmware is .bootcde in Storage"],
]);

/** TypeScript's name for the type of each constructor value above (e.g. `Array` has type ArrayConstructor). */
export const CONSTRUCTOR_TYPE_NAMES = new Map([
  ["ArrayConstructor", "Array"], ["ObjectConstructor", "Object"], ["NumberConstructor", "Number"],
  ["StringConstructor", "String"], ["Math", "Math"], ["DateConstructor", "Date"], ["PromiseConstructor", "Promise"],
  ...TYPED_ARRAYS.map((t) => [t + "Constructor", t]),
]);

/** Instance methods missing, by receiver kind. */
export const MISSING_METHODS = {
  array: new Set(["keys", "entries", "values", "flat", "flatMap", "findLast", "findLastIndex", "at", "copyWithin", "toSorted", "toReversed", "toSpliced", "with", "lastIndexOf"]),
  string: new Set(["codePointAt", "trimStart", "trimEnd", "trimLeft", "trimRight", "normalize", "at", "matchAll", "localeCompare"]),
  typedArray: new Set(["keys", "entries", "values", "at", "findLast", "findLastIndex", "copyWithin"]),
  arrayBuffer: new Set(["slice", "resize", "transfer"]),
};

/** Names specific enough to refuse even when the receiver's type is unknown (any). */
export const MISSING_METHODS_ANY_RECEIVER = new Set([
  "codePointAt", "trimStart", "trimEnd", "findLast", "findLastIndex", "flatMap", "matchAll",
]);

/** Built-in error constructors: `class X extends <one of these>` fails on Espruino. */
export const ERROR_CONSTRUCTORS = new Set([
  "Error", "TypeError", "RangeError", "SyntaxError", "ReferenceError", "EvalError", "URIError", "AggregateError", "InternalError",
]);

/**
 * Built-ins whose methods live in the interpreter, not on `X.prototype`: reading `Array.prototype.slice`,
 * `String.prototype.charCodeAt`, `Function.prototype.call`, `Number.prototype.toFixed`, ... gives undefined
 * on Espruino 2v29 (measured), so `Array.prototype.slice.call(x)` throws. Object.prototype works.
 */
export const PROTOTYPE_UNREACHABLE = new Set([
  "Array", "String", "Number", "Boolean", "Function", "Date", "RegExp", "Promise", "ArrayBuffer", "DataView", ...TYPED_ARRAYS,
]);

export const TYPED_ARRAY_NAMES = new Set(TYPED_ARRAYS);
