// The bundle's first statements (main.ts imports this module first; esbuild keeps side-effect imports in
// order): no JavaScript console over BLE, before anything else runs, the FATAL path included.
//
// Espruino 2v29 starts the Nordic UART (the console) before .bootcde runs, and a central that connects then
// gets the console (targets/nrf5x/bluetooth.c BLE_GAP_EVT_CONNECTED moves the console to Bluetooth).
// - E.setConsole(null, {force:true}) makes the console unreachable: input from the UART is no longer run
//   (jswrap_espruino.c E_setConsole; a forced device does not move on connect).
// - NRF.setServices(undefined, {uart:false}) removes the UART; with a central connected, 2v29 defers the
//   SoftDevice restart that removes it until the link closes (jswrap_ble_restart "queueing BLE restart"), so
//   that link is closed here. startBle() sets the real services later (a second restart, not connected).
// No function, no variable: nothing of this stays in RAM.
export {};
declare const NRF: any;
declare const E: any;
declare const process: any;
try {
  NRF.setServices(undefined, { uart: false });
  if (NRF.getSecurityStatus().connected) NRF.disconnect();
  // Not on the host build (BOARD "LINUX": no BLE, and its console is the test harness's only output).
  if (process.env.BOARD !== "LINUX") E.setConsole(null, { force: true });
} catch (e) {
  // no BLE on this build (host), or the simulator, which has no console devices to move
}
