/**
 * chart search QUERY: full text over notes (with their addenda), medication and diagnosis events,
 * newest first. Candidates come from the search index kept with the read cache (encrypted to
 * this device, never in git: docs/decisions.md, "The read cache"); a record that cannot be read
 * is named and makes the exit non-zero, like any listing.
 */
import type { Command } from "commander";
import { displayName } from "../../domain/client.js";
import { usageError } from "../../domain/errors.js";
import { shortId } from "../../domain/ids.js";
import { SEARCH_KINDS, type SearchDoc, type SearchKind } from "../../domain/search-docs.js";
import { newestMatches } from "../../domain/search-results.js";
import { parseQuery, type Query, type Snippet } from "../../domain/search.js";
import { listDir, readKind, type ReadFailure } from "../../store/records.js";
import { searchCandidates } from "../../store/search-index.js";
import type { Ctx } from "../context.js";
import { collect, optFlag, optList, optLimit, optString } from "../options.js";
import type { Output } from "../output.js";
import type { Opts, Registrar } from "../program.js";
import { wire, type CommandSpec } from "../command.js";

function checkKinds(given: string[] | undefined): SearchKind[] | undefined {
  if (!given) return undefined;
  const kinds = given.flatMap((k) => k.split(",")).map((k) => k.trim()).filter(Boolean);
  for (const k of kinds) if (!(SEARCH_KINDS as readonly string[]).includes(k)) throw usageError("E_USAGE", `unknown kind "${k}"`, `kinds: ${SEARCH_KINDS.join(", ")}`);
  return kinds as SearchKind[];
}

function highlight(out: Output, s: Snippet): string {
  let text = "";
  let at = 0;
  for (const m of s.marks) {
    if (m.start < at) continue;
    text += s.text.slice(at, m.start) + out.color.bold(out.color.underline(s.text.slice(m.start, m.end)));
    at = m.end;
  }
  return text + s.text.slice(at);
}

export interface SearchInput {
  query: Query;
  client?: string | undefined;
  kinds?: SearchKind[] | undefined;
  /** As typed; resolved against the practice's today in run. */
  since?: string | undefined;
  until?: string | undefined;
  psychotherapy: boolean;
  limit?: number | undefined;
}

export function parseSearch(words: readonly string[], opts: Opts): SearchInput {
  const query = parseQuery(words.join(" "));
  if (!query) throw usageError("E_USAGE", "the query has no words to search for", 'e.g. chart search sleep "panic attack" insom*');
  return {
    query,
    client: optString(opts, "client"),
    kinds: checkKinds(opts.kind === undefined ? undefined : optList(opts, "kind")),
    since: optString(opts, "since"),
    until: optString(opts, "until"),
    psychotherapy: optFlag(opts, "psychotherapy"),
    limit: optLimit(opts),
  };
}

export interface SearchHit {
  doc: SearchDoc;
  snip: Snippet;
  /** The client's display name, or null when its profile cannot be read. */
  name: string | null;
}

export async function runSearch(ctx: Ctx, input: SearchInput): Promise<SearchHit[]> {
  await ctx.chart(); // first: "today" is the practice's, whose time zone is read with the chart
  const since = ctx.optionalDate(input.since, "since", { allowFuture: true });
  const until = ctx.optionalDate(input.until, "until", { allowFuture: true });
  if (since && until && since > until) throw usageError("E_BAD_RANGE", `--since ${since} is after --until ${until}`, "swap the dates");
  const chart = await ctx.chart();
  const clients: string[] = input.client
    ? [(await ctx.client(input.client)).id]
    : (await listDir(chart, "clients")).filter((d) => d.startsWith("cl_")).sort();
  // Candidates from the search index (src/store/search-index.ts), each matched against its text
  // and sorted while the work-tree check runs (nothing is shown before it has passed). With
  // --limit, only the newest candidates are matched, up to the limit (src/domain/search-results.ts).
  const match = (docs: readonly SearchDoc[]) => newestMatches(docs, input.query, { since, until, limit: input.limit });
  // The search starts first, so its work-tree check (a git process over the whole chart) runs
  // while the profiles are read; both are awaited to the end, and a failure of either is thrown.
  const [read, searched] = await Promise.allSettled([
    readKind(chart, "client"),
    searchCandidates(chart, clients, input.query, { psychotherapy: input.psychotherapy, kinds: input.kinds, prepare: match, examined: (r) => r.examined }),
  ]);
  if (read.status === "rejected") throw read.reason;
  if (searched.status === "rejected") throw searched.reason;
  const profiles = read.value;
  const found = searched.value;
  const wanted = new Set(clients);
  const names = new Map(profiles.records.filter((c) => wanted.has(c.id)).map((c) => [c.id, displayName(c)]));
  const failures: ReadFailure[] = profiles.failures.filter((f) => clients.some((c) => f.path.startsWith(`clients/${c}/`)));
  failures.push(...found.failures);
  ctx.incomplete(failures);
  return found.prepared.matches.map((r) => ({ ...r, name: names.get(r.doc.client) ?? null }));
}

export const search: CommandSpec<SearchInput, SearchHit[]> = {
  parse: parseSearch,
  run: runSearch,
  text: (out, shown) => {
    if (shown.length === 0) {
      out.info("no matches");
      return;
    }
    out.table(
      shown.map(({ doc, snip, name }) => [doc.date, name ?? shortId(doc.client), doc.kind === "note" ? doc.type : `${doc.kind} ${doc.type}`, shortId(doc.id), highlight(out, snip)]),
      ["DATE", "CLIENT", "KIND", "ID", "MATCH"],
    );
  },
  json: (shown) => shown.map(({ doc, snip, name }) => ({ client: doc.client, name, date: doc.date, kind: doc.kind, type: doc.type, id: doc.id, snippet: snip.text, matches: snip.marks })),
};

export function registerSearch(program: Command, reg: Registrar): void {
  program
    .command("search")
    .description("full-text search over notes (with addenda), medications and diagnoses, newest first")
    .argument("<query...>", 'words (all must match), "quoted phrases", and prefix* words; case and accents do not matter')
    .option("-c, --client <client>", "only this client (id, id prefix, or a unique part of the name)")
    .option("-k, --kind <kind>", "only these kinds (repeatable or comma-separated): note, med, dx", collect)
    .option("--since <date>", "from this date, YYYY-MM-DD")
    .option("--until <date>", "to this date, YYYY-MM-DD")
    .option("--psychotherapy", "search the psychotherapy notes (kept apart) instead of the other notes")
    .option("-n, --limit <n>", "at most n results")
    .action(wire(reg, search));
}
