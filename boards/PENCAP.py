#!/bin/false
# The pen cap's Espruino board definition (BOARD=PENCAP, so process.env.BOARD is "PENCAP").
#
# Derived from boards/MDBT42Q.py of Espruino (github.com/espruino/Espruino, tag RELEASE_2V29, commit c5ff787b1),
# Copyright (C) 2013 Gordon Williams <gw@pur3.co.uk>, under the Mozilla Public License 2.0
# (http://mozilla.org/MPL/2.0/); this file stays under the MPL 2.0. Changes against MDBT42Q.py, and why:
#   * libraries: only BLUETOOTH. The firmware uses Flash, Storage, E, NRF, setWatch, pins and timers (all part of
#     the core, not libraries) and never NET, GRAPHICS, CRYPTO/SHA256, NFC, NEOPIXEL, FILESYSTEM or JIT
#     (the bundle's globals are checked by the Espruino gate, scripts/gate/).
#   * USE_DEBUGGER=0, USE_TAB_COMPLETE=0 and ESPR_NO_* defines below: console conveniences the cap never uses;
#     SAVE_ON_FLASH_MATH: smaller, less precise trigonometry the firmware never calls. Each define's reason is
#     next to it; together they leave Flash.getFree() 20 pages (19 before the last three).
#   * no Stepper timer and no NeoPixel pins (no such parts on the cap).
#   * -DMDBT42Q is kept on purpose: jshFlashWriteProtect (targets/nrf5x/jshardware.c) refuses Flash writes to the
#     SoftDevice (< 0x1F000) and the bootloader (0x78000-0x80000) only when MDBT42Q (or PUCKJS, ...) is defined.
#   * Same module, pins, RAM layout (MTU 53, 2 central links), 2,950 variables and Storage area (0x6C000, 10
#     pages) as MDBT42Q.py, so the same DFU bootloader and SoftDevice accept the build and the firmware's flash
#     map stays as docs/log-format.md describes it.
# Build it with scripts/espruino/build-cap.sh; measured figures: boards/measured.json.
# The BLE console (Nordic UART) cannot be switched off at build time in 2v29: services_init() in
# targets/nrf5x/bluetooth.c adds it unless NRF.setServices(..., {uart:false}) was called, so the firmware does that.

import pinutils;

info = {
 'name' : "Pen cap (MDBT42Q module)",
 'link' :  [ "https://espruino.com/MDBT42Q" ],
 'default_console' : "EV_SERIAL1",
 'default_console_tx' : "D6",
 'default_console_rx' : "D8",
 'default_console_baudrate' : "9600",
 'variables' : 2950, # as MDBT42Q.py: the RAM layout is unchanged
 'bootloader' : 1,
 'binary_name' : 'espruino_%v_pencap.hex',
 'build' : {
   'optimizeflags' : '-Os',
   'libraries' : [
     'BLUETOOTH',
   ],
   'makefile' : [
     'USE_DEBUGGER=0', # no `debugger` statement support
     'USE_TAB_COMPLETE=0', # no tab completion on the console
     'DEFINES+=-DMDBT42Q', # keeps jshFlashWriteProtect's SoftDevice/bootloader guard (see above)
     'DEFINES+=-DCONFIG_GPIO_AS_PINRESET', # Allow the reset pin to work
     'DEFINES += -DNRF_BLE_GATT_MAX_MTU_SIZE=53 -DNRF_BLE_MAX_MTU_SIZE=53', # increase MTU from default of 23
     'DEFINES += -DCENTRAL_LINK_COUNT=2 -DNRF_SDH_BLE_CENTRAL_LINK_COUNT=2', # as MDBT42Q.py (RAM base below depends on it)
     'LDFLAGS += -Xlinker --defsym=LD_APP_RAM_BASE=0x3290', # set RAM base to match MTU=53 + CENTRAL_LINK_COUNT=2
     'LDFLAGS += -nostartfiles', 'ASFLAGS += -D__STARTUP_CLEAR_BSS -D__START=main', # Save ~300b by not including CRT startup code
     'DEFINES+=-DBLUETOOTH_NAME_PREFIX=\'"PENCAP"\'',
     'DEFINES+=-DESPR_PACKED_SYMPTR', # Pack builtin symbols' offset into pointer to save 2 bytes/symbol
     'DEFINES+=-DESPR_NO_REGEX_OPTIMISE', # save some storage space
     'DEFINES+=-DESPR_NO_SOFTWARE_SERIAL', # no Serial on software pins (ESPR_NO_SOFTWARE_I2C does not compile in 2v29: jswrap_spi_i2c.c still calls jsi2cWrite)
     'DEFINES+=-DESPR_NO_DUMP_STATE', # dump() does not rebuild the interpreter state as JS
     # Three more, to bring Flash.getFree() from 19 to 20 pages (issue 12: >= 4,000 records always kept needs
     # F >= 20, docs/log-format.md). Measured together: code end 0x58CA4 -> 0x57214 (6,800 bytes less).
     # None removes a JavaScript built-in (gen/jswrapper.c lists the same 508 jswrap_ functions) or any syntax;
     # the Espruino gate refuses what they change (rule cap-build, scripts/gate/rules.mjs).
     'DEFINES+=-DSAVE_ON_FLASH_MATH', # Math.sin/cos/tan/asin/acos/atan/atan2 (and E.FFT) by Espruino's own short series
                                      # instead of newlib's (~6.2 KB of __kernel_rem_pio2 & co. out, ~0.9 KB in): less
                                      # precise. The firmware uses none of them (the gate refuses them).
     'DEFINES+=-DESPR_NO_VARIMAGE', # save() (a RAM image in Storage) prints "Not implemented": console only; the
                                    # firmware boots from .bootcde (flash.sh), never from a saved image
     'DEFINES+=-DESPR_NO_PASSWORD', # E.setPassword/E.lockConsole do nothing: console only (the firmware removes
                                    # the BLE console instead, NRF.setServices(..., {uart:false}))
     # Tried and not taken (see boards/measured.json "notTaken"): ESPR_NO_ARROW_FN does not compile without
     # ESPR_NO_CLASSES in 2v29 (jsparse.c's #ifndef also hides jspeClassDefinition) and the bundle uses classes;
     # ESPR_NO_PROMISES and ESPR_NO_DAYLIGHT_SAVING do not compile without SAVE_ON_FLASH (gen/jswrapper.c still
     # names jswrap_promise_then / jswrap_date_getIsDST); ESPR_NO_TEMPLATE_LITERAL, ESPR_NO_GET_SET, ESPR_NO_REGEX,
     # ESPR_NO_PROPERTY_SHORTHAND, ESPR_NO_OBJECT_METHODS and ESPR_LIMIT_DATE_RANGE are not needed for 20 pages
     # and would take syntax the gate allows (and esbuild's minifier may emit) away from the firmware.
     'DFU_PRIVATE_KEY=targets/nrf5x_dfu/dfu_private_key.pem', # the key Espruino's DFU bootloader accepts
     'DFU_SETTINGS=--application-version 0xff --hw-version 52 --sd-req 0x8C,0x91'
   ]
 }
};

chip = {
  'part' : "NRF52832",
  'family' : "NRF52",
  'package' : "QFN48",
  'ram' : 64,
  'flash' : 512,
  'speed' : 64,
  'usart' : 1,
  'spi' : 1,
  'i2c' : 1,
  'adc' : 1,
  'dac' : 0,
  'saved_code' : {
    'address' : ((118 - 10) * 4096), # Storage 0x6C000-0x76000: bootloader takes pages 120-127, FS (bonds) 118-119
    'page_size' : 4096,
    'pages' : 10,
    'flash_available' : 512 - ((31 + 8 + 2 + 10)*4) # Softdevice uses 31 pages of flash, bootloader 8, FS 2, code 10. Each page is 4 kb.
  },
};

# The cap's own parts (hall switch D5, red LED D2, green LED D3, buzzer D4) are named in firmware/boards; the
# interpreter only knows the module's LED1/LED2/BTN1 as MDBT42Q.py does. BTN1 (D0, high = pressed) is also what
# Espruino's DFU bootloader reads at power-on to enter DFU mode.
devices = {
  'LED1' : { 'pin' : 'D1' },
  'LED2' : { 'pin' : 'D2', 'no_bootloader':True },
  'BTN1' : { 'pin' : 'D0', 'pinstate' : 'IN_PULLDOWN' },
};

board_module = {
  'bottom' : [ 'GND','D0','D1','D2','D3','D4','D5','D6','D7','D8','D9','D10','GND' ],
  '_title' : "Pen cap (MDBT42Q module)",
};
boards = [board_module];

def get_pins():
  pins = pinutils.generate_pins(0,31) # 32 General Purpose I/O Pins.
  pinutils.findpin(pins, "PD0", True)["functions"]["XL1"]=0;
  pinutils.findpin(pins, "PD1", True)["functions"]["XL2"]=0;
  pinutils.findpin(pins, "PD9", True)["functions"]["NFC1"]=0;
  pinutils.findpin(pins, "PD10", True)["functions"]["NFC2"]=0;
  pinutils.findpin(pins, "PD2", True)["functions"]["ADC1_IN0"]=0;
  pinutils.findpin(pins, "PD3", True)["functions"]["ADC1_IN1"]=0;
  pinutils.findpin(pins, "PD4", True)["functions"]["ADC1_IN2"]=0;
  pinutils.findpin(pins, "PD5", True)["functions"]["ADC1_IN3"]=0;
  pinutils.findpin(pins, "PD28", True)["functions"]["ADC1_IN4"]=0;
  pinutils.findpin(pins, "PD6", True)["functions"]["USART1_TX"]=0;
  pinutils.findpin(pins, "PD8", True)["functions"]["USART1_RX"]=0;
  pinutils.findpin(pins, "PD29", True)["functions"]["ADC1_IN5"]=0;
  pinutils.findpin(pins, "PD30", True)["functions"]["ADC1_IN6"]=0;
  pinutils.findpin(pins, "PD31", True)["functions"]["ADC1_IN7"]=0;
  # everything is non-5v tolerant
  for pin in pins:
    pin["functions"]["3.3"]=0;
  return pins
