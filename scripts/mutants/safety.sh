#!/bin/bash
# The named mutants of issue 14 ("tests that must catch what they claim"), applied one at a time to the source
# (the e2e harness builds the bundle from firmware/), each with the tests that must fail; every file is restored
# afterwards. Prints KILLED or SURVIVED per mutant; exits 1 if any survived.
#   scripts/mutants/safety.sh
set -u
cd "$(dirname "$0")/../.."
survived=0
mutant() { # name file from to tests...
  local name=$1 f=$2 from=$3 to=$4; shift 4
  cp "$f" "$f.mutbak"
  if ! python3 -c 'import sys
p,a,b=sys.argv[1:4]; s=open(p).read()
if s.count(a)!=1: sys.exit(3)
open(p,"w").write(s.replace(a,b))' "$f" "$from" "$to"; then
    echo "NOT APPLIED  $name (the source changed: update this script)"; mv "$f.mutbak" "$f"; survived=1; return
  fi
  if npx vitest run "$@" >/dev/null 2>&1; then echo "SURVIVED     $name"; survived=1; else echo "KILLED       $name"; fi
  mv "$f.mutbak" "$f"
}
mutant "clock set not passed to detection (main.ts)" firmware/main.ts \
  "          if (detection) detection.timeChanged(delta);" "" test/safety/warning.test.ts test/safety/boot.test.ts
mutant "last dose not shifted on a clock set (detector.ts)" firmware/detect/detector.ts \
  "    if (this.lastDose >= 0) this.lastDose += delta;" "" test/detect/traces.test.ts test/safety/warning.test.ts
mutant "getTime() instead of the watch's e.time (sensor.ts)" firmware/hw/sensor.ts \
  "det.edge(e.time," "det.edge(G.getTime()," test/detect/hw.test.ts
mutant "no retire mark before an erase (log.ts)" firmware/log/log.ts \
  "      this.rewrite(n, STATE_OFFSET, new Uint8Array(4)); // zeros" "" test/log/log.property.test.ts
mutant "no blank-slot check before an append (log.ts)" firmware/log/log.ts \
  "      if (!slotBlank(this.store.read(p, off, RECORD_SIZE))) continue;" "" test/safety/log-slots.test.ts
mutant "corruption found at mount not recorded (main.ts)" firmware/main.ts \
  "    record(K.T_LOG_CORRUPTION, 0, Math.floor(getTime()), mount.corruptPage, Math.min(0xffff, mount.badSlots + mount.damagedPages));" "" test/safety/mount-corruption.test.ts
mutant "a report keeps streaming after trust is lost (hw/ble.ts)" firmware/hw/ble.ts \
  "    if (engine.racp.reporting && !engine.trusted) engine.racp.linkDown();" "" test/safety/trust.test.ts
mutant "trusted = encrypted without bonded (hw/ble.ts)" firmware/hw/ble.ts \
  "engine.trusted = !!s.connected && !!s.encrypted && !!s.bonded;" "engine.trusted = !!s.connected && !!s.encrypted;" test/safety/trust.test.ts
mutant "trusted = encrypted without bonded (security.ts)" firmware/ble/security.ts \
  "  const trusted = encrypted && bonded;" "  const trusted = encrypted;" test/ble/security.test.ts
exit $survived
