#!/usr/bin/env bash
# Builds the pen cap's Espruino interpreter (boards/PENCAP.py) -- or a stock board, for comparison -- from a
# checkout of github.com/espruino/Espruino at tag RELEASE_2V29 with Debian's gcc-arm-none-eabi, and prints the
# figures the firmware depends on: the code end, Flash.getFree()'s pages before Storage and the JS variables.
#
#   scripts/espruino/build-cap.sh CHECKOUT_PATH [BOARD]      BOARD: PENCAP (default), MDBT42Q, PUCKJS, ...
#
#   git clone --branch RELEASE_2V29 --depth 1 https://github.com/espruino/Espruino ~/Espruino
#   (cd ~/Espruino && source scripts/provision.sh PENCAP)   # or: apt-get install gcc-arm-none-eabi python3
#   scripts/espruino/build-cap.sh ~/Espruino
#
# What it does: copies boards/PENCAP.py into CHECKOUT/boards/ (for BOARD=PENCAP), runs
# `make clean` and `make -j$JOBS BOARD=... RELEASE=1 DFU_UPDATE_BUILD=1` there (RELEASE=1 and DFU_UPDATE_BUILD=1
# as Espruino's CI builds its DFU zips; DFU_UPDATE_BUILD skips building a bootloader), then reads the ELF.
# The DFU zip (CHECKOUT/bin/espruino_2v29_pencap.zip) needs Nordic's `nrfutil pkg generate`; when nrfutil is
# missing the script prints the command to run. Espruino's own check (scripts/check_elf_size.py) stops the build
# when the code overlaps Storage; the figures are still printed then (free pages 0, "overlaps by N bytes").
#
# Figures (see boards/measured.json for the recorded ones):
#   code end   end of the last flash-loaded section (.text, .ARM.exidx, .data image, .fs_data)
#   free pages what Flash.getFree() reports: jshFlashGetFree (targets/nrf5x/jshardware.c) takes the page after
#              the page holding _etext up to the Storage area ('saved_code' address of the board file)
#   variables  JSVAR_CACHE_SIZE (gen/platform_config.h), i.e. process.memory().total
# The last line is the same as one JSON object, prefixed "MEASURED ".
#
# Exit codes: 0 built (or overlap reported), 2 usage, 3 no toolchain / not a 2v29 checkout, 4 build failed.
# Environment: JOBS (default 2).
set -u
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"

if [ $# -lt 1 ] || [ $# -gt 2 ] || [ "${1:-}" = "-h" ] || [ "${1:-}" = "--help" ]; then
  sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
fi
checkout="$(cd "$1" 2>/dev/null && pwd)" || { echo "build-cap: no such directory: $1" >&2; exit 2; }
board="${2:-PENCAP}"
jobs="${JOBS:-2}"

if ! command -v arm-none-eabi-gcc >/dev/null; then
  echo "build-cap: arm-none-eabi-gcc not found (Debian: apt-get install gcc-arm-none-eabi)" >&2; exit 3
fi
if ! grep -q '#define JS_VERSION "2v29"' "$checkout/src/jsutils.h" 2>/dev/null; then
  echo "build-cap: $checkout is not an Espruino 2v29 checkout (src/jsutils.h: JS_VERSION \"2v29\"); use tag RELEASE_2V29" >&2
  exit 3
fi
py="$(command -v python || command -v python3)" || { echo "build-cap: python not found" >&2; exit 3; }
if ! command -v python >/dev/null; then
  # Espruino's Makefile calls `python`: give it python3 through a private PATH entry.
  shim="$(mktemp -d)"; ln -s "$py" "$shim/python"; export PATH="$shim:$PATH"
fi

if [ "$board" = "PENCAP" ]; then
  cp "$repo/boards/PENCAP.py" "$checkout/boards/PENCAP.py"
fi
[ -f "$checkout/boards/$board.py" ] || { echo "build-cap: no board file $checkout/boards/$board.py" >&2; exit 2; }

log="$checkout/build-$board.log"
echo "build-cap: building BOARD=$board in $checkout (log: $log)"
# DFU_UPDATE_BUILD=1 on `make clean` too: without it make/common/NRF5X.make builds a bootloader first.
(cd "$checkout" && make clean BOARD="$board" RELEASE=1 DFU_UPDATE_BUILD=1 >/dev/null 2>&1; \
 make -j"$jobs" BOARD="$board" RELEASE=1 DFU_UPDATE_BUILD=1) >"$log" 2>&1
make_rc=$?

name="$(cd "$checkout" && python scripts/get_board_info.py "$board" 'common.get_board_binary_name(board)' 2>/dev/null | tail -1)"
name="${name%.hex}"; name="${name%.bin}"
elf="$checkout/bin/$name.elf"
if [ ! -f "$elf" ]; then
  tail -30 "$log" >&2
  echo "build-cap: build failed, no $elf (make exit $make_rc; full log: $log)" >&2
  exit 4
fi

storage=$(cd "$checkout" && python scripts/get_board_info.py "$board" 'board.chip["saved_code"]["address"]' | tail -1)
page=$(cd "$checkout" && python scripts/get_board_info.py "$board" 'board.chip["saved_code"]["page_size"]' | tail -1)
storage_pages=$(cd "$checkout" && python scripts/get_board_info.py "$board" 'board.chip["saved_code"]["pages"]' | tail -1)
etext=$((16#$(arm-none-eabi-nm "$elf" | awk '$3=="_etext"{print $1}')))
# Flash-loaded sections: LMA (column 5 of objdump -h) below the flash end, with the LOAD flag.
code_end=0
while read -r size lma; do
  if [ $((16#$lma)) -lt $((0x100000)) ] && [ $((16#$lma + 16#$size)) -gt "$code_end" ]; then code_end=$((16#$lma + 16#$size)); fi
done < <(arm-none-eabi-objdump -h "$elf" | awk '/^ *[0-9]+ /{ size=$3; lma=$5; getline; if ($0 ~ /LOAD/) print size, lma }')
free_start=$(( (etext / page + 1) * page ))
free_pages=$(( free_start < storage ? (storage - free_start) / page : 0 ))
vars=$(awk '/#define JSVAR_CACHE_SIZE/{print $3}' "$checkout/gen/platform_config.h")
gcc_version="$(arm-none-eabi-gcc --version | head -1)"
commit="$(git -C "$checkout" rev-parse --short=9 HEAD 2>/dev/null || echo unknown)"

printf 'board       %s (%s)\n' "$board" "$elf"
printf 'compiler    %s\n' "$gcc_version"
printf 'code end    0x%X (_etext 0x%X)\n' "$code_end" "$etext"
printf 'storage     0x%X, %d pages of %d bytes\n' "$storage" "$storage_pages" "$page"
if [ "$code_end" -gt "$storage" ]; then
  printf 'OVERLAP     code overlaps Storage by %d bytes: this binary cannot be flashed\n' $((code_end - storage))
  free_pages=0
else
  printf 'free bytes  %d before Storage\n' $((storage - code_end))
fi
if [ "$free_pages" -gt 0 ]; then
  printf 'free pages  %d (Flash.getFree(): 0x%X-0x%X)\n' "$free_pages" "$free_start" "$storage"
else
  printf 'free pages  0 (Flash.getFree() is empty)\n'
fi
if [ "$code_end" -gt "$free_start" ] && [ "$code_end" -le "$storage" ]; then
  # The .data image after _etext would lie inside the area getFree() reports as free: the log would erase it.
  printf 'WARNING     the initialised-data image ends at 0x%X, inside the free area: do not use this build\n' "$code_end"
fi
printf 'variables   %s\n' "$vars"

zip="$checkout/bin/$name.zip"
if [ -f "$zip" ]; then
  printf 'dfu zip     %s\n' "$zip"
elif [ "$code_end" -le "$storage" ]; then
  printf 'dfu zip     not built (nrfutil missing). Make it with Nordic nrfutil (the Python one: pip install nrfutil==6.1.7;\n'
  printf '            or the current one after `nrfutil install nrf5sdk-tools`):\n'
  printf '            cd %s && cp bin/%s.app_hex bin/%s_app.hex && nrfutil pkg generate bin/%s.zip --application bin/%s_app.hex --application-version 0xff --hw-version 52 --sd-req 0x8C,0x91 --key-file targets/nrf5x_dfu/dfu_private_key.pem\n' \
    "$checkout" "$name" "$name" "$name" "$name"
fi
printf 'MEASURED {"board":"%s","codeEnd":%d,"etext":%d,"freeStart":%d,"freePages":%d,"storageAddress":%d,"storagePages":%d,"pageSize":%d,"variables":%s,"overlapBytes":%d,"compiler":"%s","espruinoCommit":"%s"}\n' \
  "$board" "$code_end" "$etext" "$free_start" "$free_pages" "$storage" "$storage_pages" "$page" "$vars" \
  $(( code_end > storage ? code_end - storage : 0 )) "$gcc_version" "$commit"
exit 0
