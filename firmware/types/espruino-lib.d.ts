// Library pieces Espruino 2v29 provides beyond ES5, as measured in ../shared/espruino-language.md.
// Only what is listed there as available is declared; everything in its "missing" column stays undeclared
// so that using it in firmware/ fails type-checking. (ES5's own lib still declares a few missing members:
// Object.freeze, Date.UTC, ArrayBuffer#slice, Uint8Array.from/of. The source gate in scripts/gate refuses
// those by the checker's type of the receiver.)

interface Array<T> {
  find(predicate: (value: T, index: number, obj: T[]) => unknown): T | undefined;
  findIndex(predicate: (value: T, index: number, obj: T[]) => unknown): number;
  fill(value: T, start?: number, end?: number): this;
}

interface String {
  startsWith(searchString: string, position?: number): boolean;
  endsWith(searchString: string, endPosition?: number): boolean;
  includes(searchString: string, position?: number): boolean;
  repeat(count: number): string;
}

interface ObjectConstructor {
  assign<T extends {}, U>(target: T, source: U): T & U;
  assign<T extends {}, U, V>(target: T, source1: U, source2: V): T & U & V;
  setPrototypeOf(o: any, proto: object | null): any;
  // Declared here instead of through lib ES2019.Object, which pulls in es2015.iterable and with it
  // Array.from, Array#keys/entries and the Map/Set types.
  fromEntries<T = any>(entries: ArrayLike<readonly [PropertyKey, T]>): { [k: string]: T };
}

interface Math {
  sign(x: number): number;
}
