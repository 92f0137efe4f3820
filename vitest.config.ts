import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // No wall-clock limits: time in tests is virtual (the simulator's clock), a firmware hang is caught by the
    // simulator's step-counting hang guard (sim/hang-guard.ts), and runs of the real interpreter have their own
    // hang kill (test/espruino-bin.ts). A limit in host seconds only fails tests on a loaded machine.
    testTimeout: 0,
    hookTimeout: 0,
  },
});
