// For long synchronous test loops: vitest's worker answers its runner's messages (onTaskUpdate) only between
// turns of the event loop, and gives up after 60 s of wall time ("Errors 1 error: Timeout calling
// onTaskUpdate"). A loop of a few CPU seconds can block that long on a loaded machine, so long loops yield.

/** Resolves on the next turn of the event loop. */
export function turn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
