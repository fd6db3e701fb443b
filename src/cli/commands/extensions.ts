/** Command groups beyond clients and notes, each in its own file, by the command each adds. */
import type { Registration } from "../program.js";
import { registerMed } from "./med.js";
import { registerDx } from "./dx.js";
import { registerTimeline } from "./timeline.js";
import { registerImport } from "./import.js";
import { registerConsent } from "./consent.js";
import { registerShare } from "./share.js";
import { registerDisclosures } from "./disclosures.js";
import { registerFsck } from "./fsck.js";
import { registerAccessLog } from "./access-log.js";
import { registerPractice } from "./practice.js";
import { registerSuperbill } from "./superbill.js";
import { registerSearch } from "./search.js";
import { registerVoid } from "./void.js";
import { registerExport } from "./export.js";
import { registerAccess } from "./access.js";
import { registerAmendment } from "./amendment.js";

export const EXTENSIONS: readonly Registration[] = [
  [["med"], registerMed],
  [["dx"], registerDx],
  [["timeline"], registerTimeline],
  [["import"], registerImport],
  [["consent"], registerConsent],
  [["share"], registerShare],
  [["disclosures"], registerDisclosures],
  [["fsck"], registerFsck],
  [["access-log"], registerAccessLog],
  [["practice"], registerPractice],
  [["superbill"], registerSuperbill],
  [["search"], registerSearch],
  [["void"], registerVoid],
  [["export"], registerExport],
  [["access"], registerAccess],
  [["amendment"], registerAmendment],
];
