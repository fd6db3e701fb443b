/** Find a record by id or id prefix from file names alone (nothing is decrypted). */
import { ChartError, notFound } from "../domain/errors.js";
import { idMatches, shortId } from "../domain/ids.js";
import { KIND_DIR, type RecordKind } from "../domain/record.js";
import { eachLimit } from "./pool.js";
import { listDir } from "./records.js";
import type { Chart } from "./repo.js";

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
    throw notFound(`E_${kind.toUpperCase()}_NOT_FOUND`, `no ${kind} matches "${q}"`, `ids look like ${kind === "note" ? "nt_" : ""}…; see the list command (chart ${kind} list CLIENT)`);
  }
  throw new ChartError("usage", `E_${kind.toUpperCase()}_AMBIGUOUS`, `"${q}" matches ${found.length} ${kind} records: ${found.map((f) => shortId(f.id)).join(", ")}`, "give more of the id");
}
