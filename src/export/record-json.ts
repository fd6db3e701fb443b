/**
 * record.json: the share view as the recipient receives it. Identical to the view except that
 * the withheld counts (by category and reason) are replaced by the one fixed sentence every
 * recipient gets: counts would hint at what exists outside the authorization. The clinician's
 * dry run (`chart share --dry-run`) keeps the detail.
 */
import { WITHHELD_NOTICE, type ShareView } from "../domain/share-view.js";

export type RecordJson = Omit<ShareView, "withheld"> & { withheld: typeof WITHHELD_NOTICE };

export function recordJson(view: ShareView): RecordJson {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(view)) out[k] = k === "withheld" ? WITHHELD_NOTICE : v;
  return out as RecordJson;
}
