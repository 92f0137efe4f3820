// npm run web: bundles the web app (web/src/main.ts, with the client/ it imports) for browsers into dist/web,
// with the static files of web/public. Usage: node web/build.mjs [--outdir DIR] [--quiet]
import { build } from "esbuild";
import { cpSync, mkdirSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));

/** Builds into outdir; returns the bundle's size in bytes. */
export async function buildWeb(outdir = resolve(here, "../dist/web")) {
  mkdirSync(outdir, { recursive: true });
  await build({
    entryPoints: [join(here, "src/main.ts")],
    bundle: true,
    format: "esm",
    target: ["chrome110", "edge110", "firefox115", "safari16"],
    minify: true,
    sourcemap: true,
    outfile: join(outdir, "app.js"),
    logLevel: "error",
  });
  cpSync(join(here, "public"), outdir, { recursive: true });
  return statSync(join(outdir, "app.js")).size;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const argv = process.argv.slice(2);
  const i = argv.indexOf("--outdir");
  const outdir = i >= 0 ? resolve(argv[i + 1]) : undefined;
  const bytes = await buildWeb(outdir);
  if (!argv.includes("--quiet")) console.log(`web: ${outdir ?? "dist/web"}/app.js ${bytes.toLocaleString("en")} bytes`);
}
