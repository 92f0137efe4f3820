// Library pieces Espruino 2v29 provides beyond ES5, as measured in ../shared/espruino-language.md.
// Only what is listed there as available is declared; everything in its "missing" column stays undeclared
// so that using it in firmware/ fails type-checking.

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
}

interface Math {
  sign(x: number): number;
}
