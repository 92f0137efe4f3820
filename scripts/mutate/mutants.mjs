// The listed mutants of `npm run mutate` (scripts/mutate/run.mjs): each is one deliberate, realistic bug in a
// safety module of the firmware (detect, log, security, power) or its wiring (main.ts, hw/), with the focused
// test files that must fail when it is applied. A mutant is a text replacement: `from` must occur exactly
// `count` times (default 1) in `file`, every occurrence becomes `to`. test/toolchain/mutants.test.ts checks that
// every pattern still applies to the current source, so the list cannot rot silently.
//
// Fields: id (prefix = module), module, file, from, to, count?, bug (what the mutant stands for), tests (test
// files that kill it; never a file that fails for another reason), explained? (why a surviving mutant is
// acceptable: equivalent, or not observable; the same text is in docs/benchmarks.md §7).
//
// The first nine are the named mutants of issue 14 ("tests that must catch what they claim").

/** @type {{id:string,module:string,file:string,from:string,to:string,count?:number,bug:string,tests:string[],explained?:string}[]} */
export const MUTANTS = [
  // ---------------------------------------------------------------- issue 14's named mutants
  {
    id: "detect-main-clock-not-passed", module: "detect", file: "firmware/main.ts",
    from: "        if (detection) detection.timeChanged(delta);\n", to: "",
    bug: "clock set not passed to detection (main.ts)",
    tests: ["test/safety/warning.test.ts", "test/safety/boot.test.ts"],
  },
  {
    id: "detect-last-dose-not-shifted", module: "detect", file: "firmware/detect/detector.ts",
    from: "    if (this.lastDose >= 0) this.lastDose += delta;\n", to: "",
    bug: "last-dose time not shifted on a clock set (detector.ts)",
    tests: ["test/detect/traces.test.ts", "test/safety/warning.test.ts"],
  },
  {
    id: "detect-gettime-not-event-time", module: "detect", file: "firmware/hw/sensor.ts",
    from: "det.edge(e.time,", to: "det.edge(G.getTime(),",
    bug: "getTime() used instead of the watch's e.time (hw/sensor.ts)",
    tests: ["test/detect/hw.test.ts"],
  },
  {
    id: "log-no-retire-mark", module: "log", file: "firmware/log/log.ts",
    from: "      this.rewrite(n, STATE_OFFSET, new Uint8Array(4)); // zeros\n", to: "",
    bug: "no retire mark before an erase (log.ts)",
    tests: ["test/log/log.property.test.ts"],
  },
  {
    id: "log-no-blank-check", module: "log", file: "firmware/log/log.ts",
    from: "      if (!slotBlank(this.store.read(p, off, RECORD_SIZE))) continue;\n", to: "",
    bug: "no blank-slot check before an append (log.ts)",
    tests: ["test/safety/log-slots.test.ts"],
  },
  {
    id: "log-mount-corruption-not-recorded", module: "log", file: "firmware/main.ts",
    from: "    record(K.T_LOG_CORRUPTION, 0, Math.floor(getTime()), mount.corruptPage, Math.min(0xffff, mount.badSlots + mount.damagedPages));\n",
    to: "",
    bug: "corruption found at mount not recorded (main.ts)",
    tests: ["test/safety/mount-corruption.test.ts"],
  },
  {
    id: "security-report-after-trust-lost", module: "security", file: "firmware/hw/ble.ts",
    from: "    if (engine.racp.reporting && !engine.trusted) engine.racp.linkDown();\n", to: "",
    bug: "a report keeps streaming after trust is lost (hw/ble.ts)",
    tests: ["test/safety/trust.test.ts"],
  },
  {
    id: "security-trusted-without-bond-adapter", module: "security", file: "firmware/hw/ble.ts",
    from: "!!s.encrypted && !!s.bonded && !!s.mitm_protected;", to: "!!s.encrypted && !!s.mitm_protected;",
    bug: "trusted = encrypted without bonded (hw/ble.ts)",
    tests: ["test/safety/trust.test.ts"],
  },
  {
    id: "security-trusted-without-bond-rules", module: "security", file: "firmware/ble/security.ts",
    from: "  const trusted = encrypted && bonded;", to: "  const trusted = encrypted;",
    bug: "trusted = encrypted without bonded (ble/security.ts)",
    tests: ["test/ble/security.test.ts"],
  },

  // ---------------------------------------------------------------- detect
  {
    id: "detect-dose-min-boundary", module: "detect", file: "firmware/detect/detector.ts",
    from: "else if (d >= this.cfg.doseMinS) type = T_DOSE;", to: "else if (d > this.cfg.doseMinS) type = T_DOSE;",
    bug: "a session of exactly doseMinS is a cap check, not a dose (>= became >)",
    tests: ["test/detect/traces.test.ts", "test/detect/properties.test.ts"],
  },
  {
    id: "detect-double-dose-window-boundary", module: "detect", file: "firmware/detect/detector.ts",
    from: "since >= 0 && since <= cfg.doubleDoseWindowS", to: "since >= 0 && since < cfg.doubleDoseWindowS",
    bug: "a removal exactly doubleDoseWindowS after a dose gets no cue (<= became <)",
    tests: ["test/detect/traces.test.ts", "test/safety/warning.test.ts"],
  },
  {
    id: "detect-pair-window-boundary", module: "detect", file: "firmware/detect/detector.ts",
    from: "t - this.prevT1 <= pair;", to: "t - this.prevT1 < pair;",
    bug: "a removal exactly at the end of the pair window is not a prime candidate (<= became <)",
    tests: ["test/detect/traces.test.ts", "test/safety/warning.test.ts"],
  },
  {
    id: "detect-pair-window-ignored", module: "detect", file: "firmware/detect/detector.ts",
    from: "var pair = cfg.pairWindowS > cfg.primingWindowS ? cfg.pairWindowS : cfg.primingWindowS;",
    to: "var pair = cfg.primingWindowS;",
    bug: "the prime pair window is the 120 s priming window only (an air shot 4-6 min before the injection alarms)",
    tests: ["test/safety/warning.test.ts"],
  },
  {
    id: "detect-alarm-at-every-look", module: "detect", file: "firmware/detect/detector.ts",
    from: "this.warnAt = t + cfg.warnAttemptS;", to: "this.warnAt = t;",
    bug: "the double-dose alarm sounds at the removal (every look buzzes), not after warnAttemptS",
    tests: ["test/safety/warning.test.ts"],
  },
  {
    id: "detect-left-off-fired-ignored", module: "detect", file: "firmware/detect/detector.ts",
    from: "else if (this.leftOffFired || d >= this.cfg.leftOffS) type = T_UNCERTAIN_DOSE;",
    to: "else if (d >= this.cfg.leftOffS) type = T_UNCERTAIN_DOSE;",
    bug: "a session whose left-off alert fired is classified by its duration alone",
    tests: ["test/detect/traces.test.ts", "test/detect/properties.test.ts"],
    explained: "Equivalent in every run the firmware can make but one: the alert fires in tick() exactly when " +
      "t >= t0 + leftOffS, commit() runs tick(t) before it classifies, and a clock set shifts t0 with the deadline, so " +
      "at the recap leftOffFired is true exactly when d >= leftOffS. They differ only if the app raises the config's " +
      "left-off time while a session whose alert already fired is still open (then the mutant records a DOSE where the " +
      "firmware keeps UNCERTAIN_DOSE); no test writes the config during an open cap session.",
  },
  {
    id: "detect-interrupted-flag-lost", module: "detect", file: "firmware/detect/detector.ts",
    from: "        flags = F_INTERRUPTED;\n", to: "        flags = 0;\n",
    bug: "a session interrupted by a reboot is recorded without F_INTERRUPTED",
    tests: ["test/detect/traces.test.ts", "test/safety/boot.test.ts"],
  },
  {
    id: "detect-cap-check-is-last-dose", module: "detect", file: "firmware/detect/detector.ts",
    from: "    if (type !== T_CAP_CHECK) this.lastDose = t1;", to: "    this.lastDose = t1;",
    bug: "a look at the pen (CAP_CHECK) restarts the blink code and the double-dose window",
    tests: ["test/detect/traces.test.ts", "test/detect/properties.test.ts"],
  },
  {
    id: "detect-blink-rounding", module: "detect", file: "firmware/detect/blink.ts",
    from: "Math.floor(sinceS / 3600) + 1", to: "Math.round(sinceS / 3600) + 1",
    bug: "the blink code rounds the hours (overstates the time since the last dose by up to 30 min)",
    tests: ["test/detect/traces.test.ts", "test/safety/boot.test.ts"],
  },
  {
    id: "detect-boot-cap-off-is-dose", module: "detect", file: "firmware/detect/reboot.ts",
    from: "if (!capOn) return markerSeq >= -1 ? BOOT_OPEN_INTERRUPTED : BOOT_OPEN_UNTRACKED;",
    to: "if (!capOn) return BOOT_OPEN_INTERRUPTED;",
    bug: "a battery put in with the cap off invents an interrupted dose (issue 14 item 1)",
    tests: ["test/detect/hw.test.ts", "test/safety/boot.test.ts"],
  },
  {
    id: "detect-boot-empty-log-marker", module: "detect", file: "firmware/detect/reboot.ts",
    from: "if (markerSeq >= -1 && !sessionLoggedAfterMarker) return BOOT_LOG_INTERRUPTED;",
    to: "if (markerSeq >= 0 && !sessionLoggedAfterMarker) return BOOT_LOG_INTERRUPTED;",
    bug: "a session opened on an empty log (marker seq -1) and ended during a reboot is lost (off by one)",
    tests: ["test/detect/hw.test.ts", "test/e2e/power-cut.test.ts"],
  },
  {
    id: "detect-scan-relative-dose-after-power-on", module: "detect", file: "firmware/main.ts",
    from: "(a === RESET_POWER_ON || a === K.RESET_WAKE || a === K.RESET_UNKNOWN)",
    to: "(a === K.RESET_WAKE || a === K.RESET_UNKNOWN)",
    bug: "a dose on the relative clock is still taken as the last dose after a power-on (the clock restarted)",
    tests: ["test/safety/boot.test.ts", "test/review/last-dose-boot.test.ts"],
  },

  // ---------------------------------------------------------------- log
  {
    id: "log-record-crc-skipped", module: "log", file: "firmware/log/record.ts",
    from: "  return stored === recordCheck(b);", to: "  return true;",
    bug: "a record's CRC check is skipped (any committed slot is valid)",
    tests: ["test/log/record.test.ts", "test/log/log.test.ts"],
  },
  {
    id: "log-header-crc-skipped", module: "log", file: "firmware/log/page.ts",
    from: "get32(h, 0) !== PAGE_MAGIC || get32(h, 24) !== headerCheck(h)", to: "get32(h, 0) !== PAGE_MAGIC",
    bug: "a page header's CRC check is skipped",
    tests: ["test/log/log.test.ts", "test/log/format.test.ts"],
  },
  {
    id: "log-readmany-torn-commit-sent", module: "log", file: "firmware/log/log.ts",
    from: "if (ok && (q >= b.length || b[q + 8] === T_SEQ_SKIPPED", to: "if (false && (q >= b.length || b[q + 8] === T_SEQ_SKIPPED",
    bug: "the sync read path never verifies a check, not even where a power cut can have torn the commit",
    tests: ["test/log/cursor.test.ts", "test/e2e/power-cut-all.test.ts"],
  },
  {
    id: "log-verify-read-not-counted", module: "log", file: "firmware/log/log.ts",
    from: "            if (c === S_BAD) this.badSeen++;", to: "            if (c === S_BAD) {}",
    bug: "verifyRead() finds a corrupt slot a sync sent but does not count it (no LOG_CORRUPTION)",
    tests: ["test/log/cursor.test.ts", "test/review/read-corruption.test.ts"],
  },
  {
    id: "log-main-no-verify-read", module: "log", file: "firmware/main.ts",
    from: "    log.verifyRead(K.VERIFY_PER_TICK);\n", to: "",
    bug: "the housekeeping tick never checks what a sync sent unchecked",
    tests: ["test/review/read-corruption.test.ts"],
  },
  {
    id: "log-torn-vs-corrupt", module: "log", file: "firmware/log/log.ts",
    from: "return (stored & truth) === truth ? S_TORN : S_BAD;", to: "return S_TORN;",
    bug: "a completed record with a wrong check is taken for a torn write (corruption not reported)",
    tests: ["test/log/log.test.ts", "test/safety/mount-corruption.test.ts"],
  },
  {
    id: "log-append-verify-no-retry", module: "log", file: "firmware/log/log.ts",
    from: "if (!(e && (e as FwError).code === \"LOG_VERIFY\") || ++failures >= APPEND_ATTEMPTS) throw e;",
    to: "throw e;",
    bug: "a record write that does not read back is not retried in the next slot (the dose is lost)",
    tests: ["test/log/log.test.ts", "test/safety/boot.test.ts"],
  },
  {
    id: "log-write-readback-removed", module: "log", file: "firmware/hw/flash-store.ts",
    from: "if (back[i] !== data[i]) throw fwError(\"LOG_VERIFY\"", to: "if (false) throw fwError(\"LOG_VERIFY\"",
    bug: "the flash adapter's read-back verify of a write is removed",
    tests: ["test/review/marker-failure.test.ts", "test/safety/boot.test.ts", "test/log/log.test.ts"],
  },
  {
    id: "log-erase-gate-full-ring", module: "log", file: "firmware/log/log.ts",
    from: "this.live === this.P) {\n      if (!this.eraseAllowed) throw", to: "this.live === this.P) {\n      if (false) throw",
    bug: "eraseAllowed ignored when the full ring drops its oldest page (erase on a weak cell)",
    tests: ["test/log/log.test.ts", "test/e2e/low-battery.test.ts"],
  },
  {
    id: "log-state-erase-gate", module: "log", file: "firmware/log/state.ts",
    from: "if (!this.eraseAllowed) throw", to: "if (false) throw",
    bug: "eraseAllowed ignored at a state-area page change",
    tests: ["test/log/state.test.ts", "test/e2e/low-battery.test.ts"],
  },
  {
    id: "log-state-serial-compare", module: "log", file: "firmware/log/state.ts",
    from: "recordValid(r) && serial > this.serial", to: "recordValid(r) && serial > 0",
    bug: "the state area loads the last valid record in scan order, not the one with the highest serial",
    tests: ["test/log/state.test.ts", "test/power/resilience.test.ts"],
  },
  {
    id: "log-state-torn-marker-missed", module: "log", file: "firmware/log/state.ts",
    from: "      if (r[3] !== 0xff && !recordValid(r)) this.marker = MARKER_TORN;\n", to: "",
    bug: "a removal's state commit torn by a power cut is not seen (the open session is lost)",
    tests: ["test/log/state.test.ts", "test/e2e/power-cut.test.ts"],
  },
  {
    id: "log-marker-off-by-one", module: "log", file: "firmware/hw/marker.ts",
    from: "state.marker = seqAtRemoval + 2;", to: "state.marker = seqAtRemoval + 1;",
    bug: "the session marker stores the seq + 1 (an empty log writes 0: no marker; read gives seq - 1)",
    tests: ["test/e2e/power-cut.test.ts", "test/safety/boot.test.ts"],
  },
  {
    id: "log-retry-after-new-session", module: "log", file: "firmware/main.ts",
    from: "          if (retryCount > 0) record(-1, 0, 0, 0, 0);\n", to: "",
    bug: "a dose waiting for its retry is not written before the next session opens",
    tests: ["test/safety/boot.test.ts"],
  },

  // ---------------------------------------------------------------- security
  {
    id: "security-mitm-not-required", module: "security", file: "firmware/hw/ble.ts",
    from: "&& !!s.bonded && !!s.mitm_protected;", to: "&& !!s.bonded;",
    bug: "a Just Works bond (no passkey, no MITM protection) is a trusted link",
    tests: ["test/security/stranger.test.ts", "test/e2e/security.test.ts", "test/safety/trust.test.ts"],
  },
  {
    id: "security-bond-outside-window", module: "security", file: "firmware/hw/ble.ts",
    from: "bond: pairOpen, mitm: true,", to: "bond: true, mitm: true,",
    bug: "a pairing outside the pairing window stores a bond",
    tests: ["test/e2e/pairing.test.ts", "test/security/stranger.test.ts"],
  },
  {
    id: "security-window-open-after-bond", module: "security", file: "firmware/hw/ble.ts",
    from: "if (st.auth_status === \"SUCCESS\" && engine.trusted) pairUntil = -1;",
    to: "if (st.auth_status === \"SUCCESS\" && engine.trusted) {}",
    bug: "the first bond does not close the pairing window",
    tests: ["test/e2e/pairing.test.ts", "test/security/stranger.test.ts"],
  },
  {
    id: "security-pair-fail-limit-ignored", module: "security", file: "firmware/hw/ble.ts",
    from: "if (++fails >= LinkK.MAX_PAIR_FAILS) pairUntil = -1;", to: "++fails;",
    bug: "failed pairings never close the window (passkey guessing goes on for the whole window)",
    tests: ["test/security/stranger.test.ts", "test/e2e/pairing.test.ts"],
  },
  {
    id: "security-untrusted-link-kept", module: "security", file: "firmware/hw/ble.ts",
    from: "      NRF.disconnect(); // a stranger cannot hold", to: "      // a stranger cannot hold",
    bug: "the untrusted-link timer fires but does not drop the link",
    tests: ["test/security/stranger.test.ts", "test/security/phones.test.ts"],
  },
  {
    id: "security-untrusted-timer-long", module: "security", file: "firmware/hw/ble.ts",
    from: "holdUntil = lastActive + LinkK.UNTRUSTED_S;", to: "holdUntil = lastActive + LinkK.PAIRING_S;",
    bug: "an untrusted link is held 35 s (the pairing limit) instead of 5 s",
    tests: ["test/security/stranger.test.ts", "test/security/phones.test.ts"],
  },
  {
    id: "security-pairing-hold-outside-window", module: "security", file: "firmware/hw/ble.ts",
    from: "if (st === \"start\" && pairOpen) holdUntil", to: "if (st === \"start\") holdUntil",
    bug: "a stranger starting a pairing outside the window holds the link 35 s",
    tests: ["test/security/stranger.test.ts"],
  },
  {
    id: "security-status-public", module: "security", file: "firmware/ble/security.ts",
    from: "      if (op === SecK.OP_WRITE) return SecK.ATT_WRITE_NOT_PERMITTED;\n      return trusted ? SecK.ATT_OK : SecK.ATT_INSUFFICIENT_AUTHENTICATION;",
    to: "      if (op === SecK.OP_WRITE) return SecK.ATT_WRITE_NOT_PERMITTED;\n      return SecK.ATT_OK;",
    bug: "the Status characteristic (time of the last dose) is readable without a trusted link",
    tests: ["test/ble/security.test.ts", "test/security/stranger.test.ts"],
  },
  {
    id: "security-clock-jump-back-unlimited", module: "security", file: "firmware/ble/engine.ts",
    from: "(t > prev + EngK.TIME_JUMP_S || t < prev - EngK.TIME_JUMP_S)", to: "(t > prev + EngK.TIME_JUMP_S)",
    bug: "the clock jump limit only applies forwards: a bonded app can move the clock back hours without the cap in hand",
    tests: ["test/ble/engine.test.ts"],
  },
  {
    id: "security-alerts-off-without-cap", module: "security", file: "firmware/ble/engine.ts",
    from: "& ~d[CfgK.CF_ALERTS] && !this.capConfirmed)", to: "& ~d[CfgK.CF_ALERTS] && false)",
    bug: "an alert (double-dose, left-off) can be switched off without the cap in hand",
    tests: ["test/ble/engine.test.ts", "test/safety/warning.test.ts"],
  },

  // ---------------------------------------------------------------- power
  {
    id: "power-erase-gate-ignored", module: "power", file: "firmware/power/supervisor.ts",
    from: "this.eraseAllowed = mv >= MIN_ERASE_MV;", to: "this.eraseAllowed = true;",
    bug: "the battery reading never forbids an erase (brown-out threshold ignored)",
    tests: ["test/power/supervisor.test.ts", "test/power/battery.test.ts", "test/e2e/low-battery.test.ts"],
  },
  {
    id: "power-erase-gate-boundary", module: "power", file: "firmware/power/supervisor.ts",
    from: "this.eraseAllowed = mv >= MIN_ERASE_MV;", to: "this.eraseAllowed = mv > MIN_ERASE_MV;",
    bug: "no erase at exactly MIN_ERASE_MV (>= became >)",
    tests: ["test/power/supervisor.test.ts", "test/power/battery.test.ts"],
  },
  {
    id: "power-brown-out-threshold", module: "power", file: "firmware/power/battery.ts",
    from: "export const MIN_ERASE_MV = 2400;", to: "export const MIN_ERASE_MV = 2200;",
    bug: "the erase floor is the old 2.2 V (an end-of-life cell browns out during the erase)",
    tests: ["test/power/battery.test.ts", "test/e2e/low-battery.test.ts"],
  },
  {
    id: "power-boot-erase-unknown-volts", module: "power", file: "firmware/power/battery.ts",
    from: "return !(volts === volts) || Math.round(volts * 1000) >= MIN_ERASE_MV;",
    to: "return Math.round(volts * 1000) >= MIN_ERASE_MV;",
    bug: "an unknown voltage (no battery reading) forbids erases at boot",
    tests: ["test/power/battery.test.ts"],
  },
  {
    id: "power-low-one-sample", module: "power", file: "firmware/power/supervisor.ts",
    from: "if (this.below >= LOW_SAMPLES) {", to: "if (this.below >= 1) {",
    bug: "battery low set on one reading (a radio pulse sets it)",
    tests: ["test/power/supervisor.test.ts", "test/power/battery.test.ts"],
  },
  {
    id: "power-low-boundary", module: "power", file: "firmware/power/supervisor.ts",
    from: "} else if (mv <= LOW_SET_MV) {", to: "} else if (mv < LOW_SET_MV) {",
    bug: "a reading of exactly LOW_SET_MV is not low (<= became <)",
    tests: ["test/power/supervisor.test.ts", "test/power/battery.test.ts"],
  },
  {
    id: "power-low-no-hysteresis", module: "power", file: "firmware/power/supervisor.ts",
    from: "if (mv >= LOW_CLEAR_MV) {", to: "if (mv > LOW_SET_MV) {",
    bug: "battery low cleared just above the set threshold (no hysteresis: the flag flaps)",
    tests: ["test/power/supervisor.test.ts", "test/power/battery.test.ts"],
  },
  {
    id: "power-kick-while-stalled", module: "power", file: "firmware/power/supervisor.ts",
    from: "if (!this.failed && now - this.lastProgress <= HEARTBEAT_MAX_SILENCE_SECONDS) this.hw.kick(0);",
    to: "if (!this.failed) this.hw.kick(0);",
    bug: "the watchdog is kicked although the main logic stopped progressing",
    tests: ["test/power/health.test.ts", "test/power/supervisor.test.ts"],
  },
  {
    id: "power-clock-jump-stops-kicks", module: "power", file: "firmware/power/supervisor.ts",
    from: "    this.lastProgress += delta; // the silence", to: "    // the silence",
    bug: "a clock set forward looks like a stalled main loop (the kicks stop, the watchdog resets the cap)",
    tests: ["test/power/health.test.ts"],
  },
  {
    id: "power-watchdog-not-a-crash", module: "power", file: "firmware/power/supervisor.ts",
    from: "if (reason === RESET_WATCHDOG || reason === RESET_LOCKUP || reason === RESET_SOFTWARE) this.crashes++;",
    to: "if (reason === RESET_LOCKUP || reason === RESET_SOFTWARE) this.crashes++;",
    bug: "a boot after a watchdog reset is not counted as a crash (a hang loop never reaches safe mode)",
    tests: ["test/power/resilience.test.ts", "test/power/supervisor.test.ts"],
  },
  {
    id: "power-crash-limit-off-by-one", module: "power", file: "firmware/power/supervisor.ts",
    from: "if (this.crashes >= CRASH_LIMIT) this.safeMode = true;", to: "if (this.crashes > CRASH_LIMIT) this.safeMode = true;",
    bug: "safe mode after four crashes instead of three (>= became >)",
    tests: ["test/power/resilience.test.ts", "test/power/supervisor.test.ts"],
  },
];
