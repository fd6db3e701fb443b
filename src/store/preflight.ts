/**
 * Before a user types into the editor: everything that would refuse the write afterwards is
 * checked now, so a typed note is not lost to a lock or a changed key set. The identity is
 * already loaded (opening the chart needs it). What can still fail later (a writer taking the
 * lock while the editor is open, a full disk) keeps the text as an encrypted draft
 * (src/store/drafts.ts).
 */
import { conflict, keyError } from "../domain/errors.js";
import { lockHeld } from "./lock.js";
import { readPin } from "./pin.js";
import type { Chart } from "./repo.js";

export async function preflightWrite(chart: Chart): Promise<void> {
  const pinned = await readPin(chart.gitDir);
  if (pinned !== undefined && pinned !== chart.recipientsHash) {
    throw keyError(
      "E_RECIPIENTS_CHANGED",
      "the chart's keys (.chart/recipients) changed since this device last wrote, perhaps by a pull; the editor was not opened",
      "check them with `chart key show` and `git log -p .chart/recipients`, then accept them with `chart key trust`",
    );
  }
  if (await lockHeld(chart.gitDir)) {
    throw conflict("E_LOCKED", "another chart command is writing to this chart; the editor was not opened", "wait for it to finish and retry");
  }
}
