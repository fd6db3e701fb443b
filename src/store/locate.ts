/** Find a record by id or id prefix from file names alone (nothing is decrypted). */
import { ChartError, notFound, type CodeOf } from "../domain/errors.js";
import { ID_PREFIX, idMatches, shortId } from "../domain/ids.js";
import { KIND_DIR, type RecordKind } from "../domain/record.js";
import { eachLimit } from "./pool.js";
import { listDir } from "./records.js";
import type { Chart } from "./repo.js";

type Located = Exclude<RecordKind, "client">;
const NOT_FOUND: Record<Located, CodeOf<"notFound">> = {
  note: "E_NOTE_NOT_FOUND",
  med: "E_MED_NOT_FOUND",
  dx: "E_DX_NOT_FOUND",
  consent: "E_CONSENT_NOT_FOUND",
  disclosure: "E_DISCLOSURE_NOT_FOUND",
  void: "E_VOID_NOT_FOUND",
  access: "E_ACCESS_NOT_FOUND",
  amendment: "E_AMENDMENT_NOT_FOUND",
};
const AMBIGUOUS: Record<Located, CodeOf<"usage">> = {
  note: "E_NOTE_AMBIGUOUS",
  med: "E_MED_AMBIGUOUS",
  dx: "E_DX_AMBIGUOUS",
  consent: "E_CONSENT_AMBIGUOUS",
  disclosure: "E_DISCLOSURE_AMBIGUOUS",
  void: "E_VOID_AMBIGUOUS",
  access: "E_ACCESS_AMBIGUOUS",
  amendment: "E_AMENDMENT_AMBIGUOUS",
};

export async function locate(
  chart: Chart,
  kind: Exclude<RecordKind, "client">,
  query: string,
  client?: string,
): Promise<{ client: string; id: string }> {
  const clients = client ? [client] : (await listDir(chart, "clients")).filter((d) => d.startsWith("cl_"));
  const found: { client: string; id: string }[] = [];
  const q = query.trim();
  await eachLimit(clients, async (c) => {
    const files = await listDir(chart, `clients/${c}/${KIND_DIR[kind] as string}`);
    for (const f of files) {
      if (!f.endsWith(".age") || f.startsWith(".")) continue;
      const id = f.slice(0, -4);
      if (id === q || idMatches(id, q)) found.push({ client: c, id });
    }
  });
  const exact = found.filter((f) => f.id === q);
  if (exact.length === 1) return exact[0] as { client: string; id: string };
  if (found.length === 1) return found[0] as { client: string; id: string };
  if (found.length === 0) {
    throw notFound(NOT_FOUND[kind], `no ${kind} matches "${q}"`, `ids look like ${ID_PREFIX[kind]}_…; see the list command (chart ${kind} list CLIENT)`);
  }
  throw new ChartError("usage", AMBIGUOUS[kind], `"${q}" matches ${found.length} ${kind} records: ${found.map((f) => shortId(f.id)).join(", ")}`, "give more of the id");
}
