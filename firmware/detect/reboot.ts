// What a cap session interrupted by a reboot becomes (docs/detection.md, "Reboots"). Pure decision; the
// marker's persistence (a tiny Storage file, wired by main.ts) and the log look-up are the caller's.
//
// The marker is written when the cap comes off (sink.cap(false)) with the log's newest seq at that moment,
// and cleared after the session's record has been appended. At boot:
//   cap off now, marker set          -> BOOT_OPEN_INTERRUPTED: start(t, false, START_INTERRUPTED); the session
//                                       is recorded at recap as UNCERTAIN_DOSE + F_INTERRUPTED (one record)
//   cap off now, no marker           -> BOOT_OPEN_UNTRACKED: start(t, false, START_UNTRACKED); no session was
//                                       open before the boot (battery put in with the cap off): no record
//   cap on, marker set, no session
//   record with seq > marker in log  -> BOOT_LOG_INTERRUPTED: start(t, true, false);
//                                       m.emitSession(UNCERTAIN_DOSE, F_INTERRUPTED, t, t)
//                                       (the cap went back on while the cap was rebooting)
//   otherwise                        -> BOOT_NORMAL: start(t, true, false) (clear a stale marker)
// The "seq > marker" test makes it exactly once: a crash between append and clear finds the record.

export const BOOT_NORMAL = 0;
export const BOOT_OPEN_INTERRUPTED = 1;
export const BOOT_LOG_INTERRUPTED = 2;
export const BOOT_OPEN_UNTRACKED = 3;

/** The persisted "a session is open" marker. read() gives the log seq stored at removal, or -2 for none. */
export interface SessionMarker {
  read(): number;
  write(seqAtRemoval: number): void;
  clear(): void;
}

/**
 * @param markerSeq value of SessionMarker.read() (-2: no marker; -1 is a valid value: the log was empty)
 * @param sessionLoggedAfterMarker the log holds a DOSE/CAP_CHECK/UNCERTAIN_DOSE record with seq > markerSeq
 * @param capOn the cap state read at boot
 */
export function bootAction(markerSeq: number, sessionLoggedAfterMarker: boolean, capOn: boolean): number {
  // Cap off with no open session in the marker: the cap was off before this power-on began (a battery put in
  // with the cap in the hand). Not a dose: recording it would invent one and arm the double-dose warning.
  if (!capOn) return markerSeq >= -1 ? BOOT_OPEN_INTERRUPTED : BOOT_OPEN_UNTRACKED;
  if (markerSeq >= -1 && !sessionLoggedAfterMarker) return BOOT_LOG_INTERRUPTED;
  return BOOT_NORMAL;
}
