// Incremental sync: from the newest seq held, deduplicated, gaps re-requested once and then reported.
import { PenCapClient } from "./client";
import { RC } from "./protocol";
import { RecordStore } from "./store";

export interface SyncResult {
  received: number;
  added: number;
  duplicates: number;
  badChecks: number;
  complete: boolean; // false when the link dropped or the cap ended the transfer early: sync again
}

export async function sync(client: PenCapClient, store: RecordStore): Promise<SyncResult> {
  const res: SyncResult = { received: 0, added: 0, duplicates: 0, badChecks: 0, complete: false };
  const take = (r: Parameters<RecordStore["add"]>[0]) => {
    res.received++;
    if (store.add(r)) res.added++;
    else res.duplicates++;
  };
  try {
    const status = await client.readStatus();
    store.lastStatus = status;
    const from = store.newestHeld() + 1;
    if (status.newestSeq >= from) {
      const r = from === 0 ? await client.reportAll(take) : await client.reportFrom(from, take);
      res.badChecks += r.badChecks;
      if (r.responseCode !== RC.success && r.responseCode !== RC.noRecords) return res;
    }
    // Holes inside what the cap still holds: ask again (the cap streams several notifications per connection
    // event, and Espruino drops one silently when the SoftDevice's TX buffers are full: docs/protocol.md 3.2),
    // round after round while a request still brings records. A request for a hole that brings none of it
    // confirms it missing on the cap. Seqs a SEQ_SKIPPED record names ("skipped": never completed on the cap)
    // are not asked for: the cap never had them.
    for (let round = 0; round < 20; round++) {
      let progress = false;
      for (const g of store.gaps()) {
        if (g.kind !== "unconfirmed") continue;
        const before = res.added;
        const r = await client.reportRange(g.from, g.to, take);
        res.badChecks += r.badChecks;
        if (r.responseCode !== RC.success && r.responseCode !== RC.noRecords) return res;
        if (res.added > before) progress = true;
        else for (let s = g.from; s <= g.to; s++) if (!store.records.has(s)) store.confirmedMissing.add(s);
      }
      if (!progress) break;
    }
    // Confirm (docs/protocol.md 3.2 "App records", section 8 step 3): every seq up to the first hole still to
    // ask for is held or known skipped, missing, overwritten or deleted. Until then the cap refuses app records
    // (annotations, clock, config) that could overwrite a record no app holds.
    const open = store.gaps().find((g) => g.kind === "unconfirmed");
    const through = open ? open.from - 1 : Math.max(store.newestHeld(), -1);
    if (through >= 0) await client.confirmReceived(through);
    res.complete = true;
  } catch (e) {
    if (client.isConnected) throw e;
  }
  return res;
}
