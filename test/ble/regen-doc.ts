// tsx test/ble/regen-doc.ts: rewrites the "<" and "?" lines of docs/protocol.md's flows from the engine.
import { readFileSync, writeFileSync } from "node:fs";
import { regenerate } from "./doc-flows";
const p = "docs/protocol.md";
writeFileSync(p, regenerate(readFileSync(p, "utf8")));
