// The "a cap session is open" marker (firmware/detect/reboot.ts) in the state area of the log region
// (firmware/log/state.ts, docs/log-format.md "State area"): a removal and the session's end each commit one
// state record (five word writes), never a Storage write. The marker value is the log's newest seq at the
// removal + 2 (so an empty log, seq -1, is 1); 0 means no session is open.
import { SessionMarker } from "../detect/reboot";
import { KIND_MARKER_SET, type StateArea } from "../log/state";

export function stateSessionMarker(state: StateArea): SessionMarker {
  return {
    read: function (): number {
      return state.marker ? state.marker - 2 : -2;
    },
    write: function (seqAtRemoval: number): void {
      state.marker = seqAtRemoval + 2;
      state.commit(KIND_MARKER_SET);
    },
    clear: function (): void {
      if (!state.marker) return;
      state.marker = 0;
      state.commit();
    },
  };
}
