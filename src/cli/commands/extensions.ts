/** Command groups beyond clients and notes, each in its own file. */
import type { Command } from "commander";
import type { Registrar } from "../program.js";
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
import { registerClientMerge } from "./client-merge.js";

export function registerExtensions(program: Command, reg: Registrar): void {
  registerMed(program, reg);
  registerDx(program, reg);
  registerTimeline(program, reg);
  registerImport(program, reg);
  registerConsent(program, reg);
  registerShare(program, reg);
  registerDisclosures(program, reg);
  registerFsck(program, reg);
  registerAccessLog(program, reg);
  registerPractice(program, reg);
  registerSuperbill(program, reg);
  registerSearch(program, reg);
  registerVoid(program, reg);
  registerExport(program, reg);
  registerAccess(program, reg);
  registerAmendment(program, reg);
  registerClientMerge(program, reg);
}
