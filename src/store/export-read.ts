/**
 * Read what an export needs: every record of the chosen clients, each file decrypted at most
 * once (and not at all when the read cache holds it unchanged). Profiles are read in one pass
 * (they share one cache file); then each client's records in one pass of its own, a few
 * clients at a time (bounded file work, docs/decisions.md).
 */
import type { ClientRecord } from "../domain/client.js";
import type { ConsentRecord, DisclosureRecord } from "../domain/consent.js";
import type { DxEventRecord } from "../domain/dx.js";
import type { ClientData } from "../domain/export.js";
import type { MedEventRecord } from "../domain/med.js";
import type { NoteRecord } from "../domain/note.js";
import { recordPath, type RecordKind } from "../domain/record.js";
import type { VoidRecord } from "../domain/void.js";
import type { AccessRecord } from "../domain/access.js";
import type { AmendmentRecord } from "../domain/amendment.js";
import { mapLimit } from "./pool.js";
import { listRecordPaths, readPaths, type ReadFailure } from "./records.js";
import type { Chart } from "./repo.js";

const KINDS: Exclude<RecordKind, "client">[] = ["note", "med", "dx", "consent", "disclosure", "void", "access", "amendment"];
/** Clients read together; each client's own files are read with the chart's file concurrency. */
const CLIENTS_AT_ONCE = 4;

export async function readClientsData(
  chart: Chart,
  ids: readonly string[] | "all",
  onProgress?: (done: number, total: number) => void,
): Promise<{ clients: ClientData[]; failures: ReadFailure[] }> {
  const profilePaths = ids === "all" ? await listRecordPaths(chart, "client") : ids.map((id) => recordPath("client", id, id));
  const profiles = await readPaths(chart, profilePaths);
  const failures: ReadFailure[] = [...profiles.failures];
  let done = 0;
  const list = profiles.records as unknown as ClientRecord[];
  const clients = await mapLimit(
    list,
    async (profile) => {
      const paths = (await mapLimit(KINDS, (k) => listRecordPaths(chart, k, profile.id))).flat();
      const res = await readPaths(chart, paths);
      failures.push(...res.failures);
      const of = <T>(kind: RecordKind) => res.records.filter((r) => r.kind === kind) as unknown as T[];
      const data: ClientData = {
        profile,
        notes: of<NoteRecord>("note"),
        meds: of<MedEventRecord>("med"),
        dx: of<DxEventRecord>("dx"),
        consents: of<ConsentRecord>("consent"),
        disclosures: of<DisclosureRecord>("disclosure"),
        voids: of<VoidRecord>("void"),
      };
      const access = of<AccessRecord>("access");
      const amendments = of<AmendmentRecord>("amendment");
      if (access.length) data.access = access;
      if (amendments.length) data.amendments = amendments;
      onProgress?.(++done, list.length);
      return data;
    },
    CLIENTS_AT_ONCE,
  );
  return { clients, failures };
}
