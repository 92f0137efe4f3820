#!/usr/bin/env bash
# Flashes dist/firmware.js onto a pen cap (MDBT42Q) or a Puck.js through the project's own Espruino CLI
# (node_modules/.bin/espruino, no global install). The bundle is written into the device's Storage as its
# boot code (.bootcde), so it runs on every boot and survives a reset; the device clock is set on upload.
#
#   ./flash.sh --port aa:bb:cc:dd:ee:ff     Bluetooth LE, by MAC address
#   ./flash.sh --port /dev/ttyACM0          serial / USB
#   ./flash.sh --device PENCAP              Bluetooth LE, first device whose name contains PENCAP
#   ./flash.sh --dry-run out.js             write the upload that would be sent to out.js; no device
#   ./flash.sh --interpreter FILE.zip       how to flash the cap's interpreter build (DFU zip), step by step
#   options: --bundle FILE (default dist/firmware.js), --timeout SECONDS (default 120),
#            --passkey NNNNNN (keep a cap's labelled passkey; default: a new random one, printed for the label)
#            --board-info ANSWER  the board's answer to the free-flash probe, instead of asking the board
#
# Before uploading, flash.sh asks the board for require("Flash").getFree() and require("Storage").getStats()
# and refuses when the firmware could not open its dose log in flash there -- fewer than 5 free pages (3 for the
# log, 2 for the state area): the cap would keep its records in RAM only, lost at every reset -- or when the
# bundle does not fit in Storage (scripts/flash/check-board.mjs), naming the cap's interpreter build
# (boards/PENCAP.py) as the way out; fewer than 4,000 records kept only warns. --dry-run checks only with
# --board-info.
#
# Before the upload flash.sh also prepares the config file "pencap.cfg" (scripts/flash/cfgfile.mjs PREPARE, sent
# with the CLI's -e; docs/config.md "In flash"): created with its 16 slots erased, kept while at most half are
# used, otherwise renewed with the newest config (and magnetometer baseline) carried over. The firmware only
# fills its erased slots, so it never writes a Storage file header in the field (docs/log-format.md). A --dry-run
# file starts with that PREPARE line, then the upload.
#
# Exit codes: 0 flashed (or dry run written, or DFU steps printed), 2 usage (no port/device), 3 no bundle
# built (or no DFU zip), 4 connection or upload failed, 5 refused: the board cannot hold the dose log in flash.
set -euo pipefail
CALLER_DIR=$(pwd)
# Through `npm run flash -- ...`, npm has moved to the project folder; INIT_CWD is where it was called.
if [ -n "${npm_lifecycle_event:-}" ] && [ -n "${INIT_CWD:-}" ]; then CALLER_DIR=$INIT_CWD; fi
cd "$(dirname "$0")"
# Paths given by the caller are relative to where flash.sh was called from.
from_caller() { case "$1" in /*) echo "$1" ;; *) echo "$CALLER_DIR/$1" ;; esac; }

BUNDLE="dist/firmware.js"
PORT=""
DEVICE=""
DRY_RUN=""
TIME_LIMIT=120
BOARD_INFO=""
INTERPRETER=""
PASSKEY=""
# Board description used only for --dry-run: it tells the CLI what a connected device would report
# (Espruino 2v29 with Storage, Flash and Storage built in), so that it packages the upload exactly as for
# a real cap instead of the pre-1v96 fallback.
DRY_RUN_BOARD="scripts/flash/board-2v29.json"
CLI="node_modules/.bin/espruino"

usage() { sed -n '2,25p' "$0" | sed 's/^# \{0,1\}//'; }
die() { local code=$1; shift; echo "flash.sh: $*" >&2; exit "$code"; }

while [ $# -gt 0 ]; do
  case "$1" in
    --port) [ $# -ge 2 ] || die 2 "--port needs a value (a BLE MAC like aa:bb:cc:dd:ee:ff or a serial device like /dev/ttyACM0)"; PORT="$2"; shift 2 ;;
    --device) [ $# -ge 2 ] || die 2 "--device needs a BLE name (prefix)"; DEVICE="$2"; shift 2 ;;
    --dry-run) [ $# -ge 2 ] || die 2 "--dry-run needs an output file"; DRY_RUN=$(from_caller "$2"); shift 2 ;;
    --bundle) [ $# -ge 2 ] || die 2 "--bundle needs a file"; BUNDLE=$(from_caller "$2"); shift 2 ;;
    --passkey) [ $# -ge 2 ] || die 2 "--passkey needs 6 digits"; PASSKEY="$2"; shift 2 ;;
    --timeout) [[ "${2:-}" =~ ^[0-9]+$ ]] || die 2 "--timeout needs a number of seconds"; TIME_LIMIT="$2"; shift 2 ;;
    --board-info) [ $# -ge 2 ] || die 2 "--board-info needs the board's answer (a PENCAP_BOARDINFO line or its JSON)"; BOARD_INFO="$2"; shift 2 ;;
    --interpreter) [ $# -ge 2 ] || die 2 "--interpreter needs the DFU zip (scripts/espruino/build-cap.sh makes it)"; INTERPRETER=$(from_caller "$2"); shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; die 2 "unknown option '$1'" ;;
  esac
done

if [ -n "$INTERPRETER" ]; then
  # Neither the Espruino CLI (its -f speaks only the STM32 serial bootloader) nor Web Bluetooth from here can
  # talk to Nordic's DFU bootloader, so this prints the steps instead of flashing.
  [ -s "$INTERPRETER" ] || die 3 "no DFU zip at $INTERPRETER: build it with scripts/espruino/build-cap.sh CHECKOUT (README \"Flash\")"
  [ "$(head -c 2 "$INTERPRETER")" = "PK" ] || die 3 "$INTERPRETER is not a zip: give the DFU zip (espruino_2v29_pencap.zip), not the .hex"
  cat <<STEPS
flash.sh: flashing the interpreter $INTERPRETER is done with Nordic's DFU tools, not with this script:
  1. Put the cap in DFU mode: hold D0 (BTN1) high -- wire it to VDD -- while applying power, and let go within
     ~3 s. The cap then advertises as "DFUTARG" (Espruino's bootloader, targets/nrf5x_dfu/main.c).
  2. Send the zip, either
     - from a phone: Nordic's "nRF Device Firmware Update" or "nRF Connect" app, DFU, choose the zip, target DFUTARG;
     - or from a PC with a Nordic nRF52 dongle/DK as the radio (Python nrfutil 6.x):
         nrfutil dfu ble -ic NRF -pkg "$INTERPRETER" -p /dev/ttyACM0 -n DFUTARG -f
  3. The cap restarts on the new interpreter (process.env.BOARD is "PENCAP"); Storage is kept. Then upload the
     firmware: ./flash.sh --device PENCAP   (it checks the board's free flash first).
STEPS
  exit 0
fi

[ -s "$BUNDLE" ] || die 3 "no bundle at $BUNDLE: build it first with 'npm run build'"
[ -x "$CLI" ] || die 3 "the Espruino CLI is missing ($CLI): run 'npm ci'"

# -t: set the device clock on upload; --storage .bootcde:- : store the code as the boot code in Storage
# (chunked require("Storage").write calls, then load(".bootcde") to start it now).
# The cap's pairing passkey (docs/protocol.md "Security"): stored as "pencap.key", printed for the label.
PASSKEY=$(node scripts/flash/passkey.mjs $PASSKEY) || die 2 "--passkey must be 6 digits"
KEYFILE=$(mktemp)
printf '%s' "$PASSKEY" >"$KEYFILE"
# PRETOKENISE=1: the CLI stores the bundle pretokenised (keywords, operators, strings and integers as byte
# tokens, ~20 % smaller; docs/espruino-gate.md "Pretokenising"): Storage holds it with room to spare.
COMMON=(-t --storage "pencap.key:$KEYFILE" --storage .bootcde:- --config STORAGE_UPLOAD_METHOD=0 --config PRETOKENISE=1)
# The config file's preparation (one line of ES5; its answer: "PENCAP_CFGFILE created|kept|renewed|migrated N").
PREPARE=$(node -e 'import("./scripts/flash/cfgfile.mjs").then((m) => process.stdout.write(m.PREPARE))')

# The board check (scripts/flash/check-board.mjs): exit 5 with its message when the log could not be opened in
# flash (fewer than 5 free pages: a RAM log only) or the bundle does not fit in Storage.
check_board() {
  local rc=0
  node scripts/flash/check-board.mjs "$1" "$BUNDLE" || rc=$?
  [ "$rc" -eq 0 ] && return 0
  [ "$rc" -eq 5 ] && exit 5
  die 4 "could not read the board's free flash and Storage from its answer"
}

if [ -n "$DRY_RUN" ]; then
  if [ -n "$BOARD_INFO" ]; then check_board "$BOARD_INFO"; else echo "flash.sh: dry run: board not checked (no device; --board-info ANSWER checks an answer)"; fi
  LOG=$(mktemp)
  trap 'rm -f "$LOG" "$KEYFILE"' EXIT
  if ! "$CLI" -n --no-ble --board "$DRY_RUN_BOARD" "${COMMON[@]}" -o "$DRY_RUN" "$BUNDLE" >"$LOG" 2>&1 </dev/null \
     || [ ! -s "$DRY_RUN" ] || ! grep -q '\.bootcde' "$DRY_RUN"; then
    cat "$LOG" >&2
    die 4 "the Espruino CLI did not produce the upload text"
  fi
  { printf '%s\n' "$PREPARE"; cat "$DRY_RUN"; } >"$LOG.up" && mv "$LOG.up" "$DRY_RUN"
  echo "flash.sh: dry run: $(wc -c <"$DRY_RUN") bytes that would be sent for $BUNDLE ($(wc -c <"$BUNDLE") bytes) written to $DRY_RUN"
  echo "flash.sh: passkey for the cap's label: $PASSKEY"
  exit 0
fi

if [ -z "$PORT" ] && [ -z "$DEVICE" ]; then
  usage >&2
  die 2 "no device given: use --port <BLE MAC or serial device> or --device <BLE name>"
fi

TARGET=()
if [ -n "$PORT" ]; then
  TARGET=(-p "$PORT")
  case "$PORT" in /dev/*|COM*|tcp://*) TARGET+=(--no-ble) ;; esac
else
  TARGET=(-d "$DEVICE")
fi

LOG=$(mktemp)
trap 'rm -f "$LOG" "$KEYFILE"' EXIT
if [ -z "$BOARD_INFO" ]; then
  echo "flash.sh: reading the free flash and Storage of ${PORT:-device named $DEVICE}"
  PROBE=$(node -e 'import("./scripts/flash/check-board.mjs").then((m) => process.stdout.write(m.PROBE))')
  set +e
  timeout 60 "$CLI" "${TARGET[@]}" -e "$PROBE" </dev/null >"$LOG" 2>&1
  set -e
  BOARD_INFO=$(grep -o 'PENCAP_BOARDINFO {.*}' "$LOG" | head -1 || true)
  if [ -z "$BOARD_INFO" ]; then
    cat "$LOG" >&2
    die 4 "connection failed: no answer to the free-flash probe (see the Espruino CLI output above); check the port/name, that the device is powered and not connected to another app (e.g. the Web IDE or a phone)"
  fi
fi
check_board "$BOARD_INFO"
echo "flash.sh: preparing the config file pencap.cfg on ${PORT:-device named $DEVICE}"
set +e
timeout 60 "$CLI" "${TARGET[@]}" -e "$PREPARE" </dev/null >"$LOG" 2>&1
set -e
CFGFILE=$(grep -o 'PENCAP_CFGFILE [a-z]* [0-9]*' "$LOG" | head -1 || true)
if [ -z "$CFGFILE" ]; then
  cat "$LOG" >&2
  die 4 "could not prepare the config file pencap.cfg (see the Espruino CLI output above); nothing was uploaded"
fi
echo "flash.sh: config file: ${CFGFILE#PENCAP_CFGFILE }"
echo "flash.sh: uploading $BUNDLE ($(wc -c <"$BUNDLE") bytes) to ${PORT:-device named $DEVICE} as boot code"
set +e
# The CLI waits for the device's prompt after the upload; a time limit keeps a silent device from
# hanging the script forever.
timeout "$TIME_LIMIT" "$CLI" "${TARGET[@]}" "${COMMON[@]}" "$BUNDLE" </dev/null 2>&1 | tee "$LOG"
STATUS=${PIPESTATUS[0]}
set -e
if [ "$STATUS" -eq 124 ]; then
  die 4 "no answer within ${TIME_LIMIT} s; the upload may be incomplete. Reconnect and check with require(\"Storage\").read(\".bootcde\"), or flash again"
fi
# The CLI exits 0 even when it cannot connect, so its own messages are checked too.
if [ "$STATUS" -ne 0 ] || grep -qE 'Unable to connect|not found|No Ports Found|Error:' "$LOG" || ! grep -q 'Upload Complete' "$LOG"; then
  die 4 "connection or upload failed (see the Espruino CLI output above); check the port/name, that the device is powered and not connected to another app (e.g. the Web IDE or a phone)"
fi
echo "flash.sh: done; the firmware is the device's boot code and starts on every boot"
echo "flash.sh: passkey for the cap's label: $PASSKEY"
