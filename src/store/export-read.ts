/**
 * Read what an export needs: every record of the chosen clients, each file decrypted at most
 * once (and not at all when the read cache holds it unchanged). Profiles are read in one pass
 * (they share one cache file); then each client's records in one pass of its own, a few
 * clients at a time (bounded file work, docs/decisions.md).
 */
import type { ClientData } from "../domain/export.js";
import { ofKind, recordPath, type RecordKind } from "../domain/record.js";
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
  const list = profiles.records.filter(ofKind("client"));
  const clients = await mapLimit(
    list,
    async (profile) => {
      const paths = (await mapLimit(KINDS, (k) => listRecordPaths(chart, k, profile.id))).flat();
      const res = await readPaths(chart, paths);
      failures.push(...res.failures);
      const of = <K extends RecordKind>(kind: K) => res.records.filter(ofKind(kind));
      const data: ClientData = {
        profile,
        notes: of("note"),
        meds: of("med"),
        dx: of("dx"),
        consents: of("consent"),
        disclosures: of("disclosure"),
        voids: of("void"),
      };
      const access = of("access");
      const amendments = of("amendment");
      if (access.length) data.access = access;
      if (amendments.length) data.amendments = amendments;
      onProgress?.(++done, list.length);
      return data;
    },
    CLIENTS_AT_ONCE,
  );
  return { clients, failures };
}
