// Boot entry of the pen cap firmware. Wiring of the modules happens here; the logic lives in the folders.
function boot(): void {
  console.log("pencap: boot on " + process.env.BOARD);
}

boot();
