#!/usr/bin/env node
// `npx pencap …` in this repository (package.json "bin"): runs cli/main.ts from source through tsx, so the
// command is always the current code (docs/cli.md).
import { register } from "tsx/esm/api";
import { createInterface } from "node:readline";

register();
const { run } = await import("./main.ts");

/** Reads a line without echoing it (a passphrase on a terminal). */
function prompt(question) {
  return new Promise((resolve) => {
    const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
    rl._writeToOutput = (s) => {
      if (s.startsWith(question)) process.stderr.write(question);
    };
    rl.question(question, (answer) => {
      rl.close();
      process.stderr.write("\n");
      resolve(answer);
    });
  });
}

const code = await run(process.argv.slice(2), {
  env: process.env,
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
  prompt: process.stdin.isTTY ? prompt : undefined,
});
process.exitCode = code;
