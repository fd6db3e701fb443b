/**
 * chart search QUERY: full text over notes (with their addenda), medication and diagnosis events,
 * newest first. Records come through the read cache (decrypted and verified records kept on
 * this device, encrypted to its key, never in git: docs/decisions.md, "The read cache"); a
 * record that cannot be read is named and makes the exit non-zero, like any listing.
 */
import type { Command } from "commander";
import { displayName } from "../../domain/client.js";
import { usageError } from "../../domain/errors.js";
import { shortId } from "../../domain/ids.js";
import { byNewestDoc, searchDocs, SEARCH_KINDS, type SearchDoc, type SearchKind } from "../../domain/search-docs.js";
import { matchTokens, parseQuery, snippet, tokens, type Snippet } from "../../domain/search.js";
import { listDir, readKind, type ReadFailure } from "../../store/records.js";
import type { Ctx } from "../context.js";
import { collect } from "../options.js";
import type { Registrar } from "../program.js";
import { textOf } from "../../domain/text-of.js";

function checkKinds(given: string[] | undefined): SearchKind[] | undefined {
  if (!given) return undefined;
  const kinds = given.flatMap((k) => k.split(",")).map((k) => k.trim()).filter(Boolean);
  for (const k of kinds) if (!(SEARCH_KINDS as readonly string[]).includes(k)) throw usageError("E_USAGE", `unknown kind "${k}"`, `kinds: ${SEARCH_KINDS.join(", ")}`);
  return kinds as SearchKind[];
}

function highlight(ctx: Ctx, s: Snippet): string {
  let out = "";
  let at = 0;
  for (const m of s.marks) {
    if (m.start < at) continue;
    out += s.text.slice(at, m.start) + ctx.out.color.bold(ctx.out.color.underline(s.text.slice(m.start, m.end)));
    at = m.end;
  }
  return out + s.text.slice(at);
}

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
    .action(
      reg.action(async (ctx, words, opts) => {
        const query = parseQuery(words.join(" "));
        if (!query) throw usageError("E_USAGE", "the query has no words to search for", 'e.g. chart search sleep "panic attack" insom*');
        const since = ctx.optionalDate(opts.since, "since", { allowFuture: true });
        const until = ctx.optionalDate(opts.until, "until", { allowFuture: true });
        if (since && until && since > until) throw usageError("E_BAD_RANGE", `--since ${since} is after --until ${until}`, "swap the dates");
        const kinds = checkKinds(opts.kind as string[] | undefined);
        const limit = opts.limit !== undefined ? Number(opts.limit) : undefined;
        if (limit !== undefined && (!Number.isInteger(limit) || limit <= 0)) throw usageError("E_USAGE", "--limit takes a positive whole number");
        const chart = await ctx.chart();
        const want = (k: SearchKind) => !kinds || kinds.includes(k);
        const clients: string[] = opts.client
          ? [(await ctx.client(textOf(opts.client))).id]
          : (await listDir(chart, "clients")).filter((d) => d.startsWith("cl_")).sort();
        const profiles = await readKind(chart, "client");
        const names = new Map(profiles.records.filter((c) => clients.includes(c.id)).map((c) => [c.id, displayName(c)]));
        const failures: ReadFailure[] = profiles.failures.filter((f) => clients.some((c) => f.path.startsWith(`clients/${c}/`)));
        const results: { doc: SearchDoc; snip: Snippet }[] = [];
        // One client at a time: memory holds one client's records, and each read is bounded.
        for (const cid of clients) {
          const none = { records: [], failures: [] };
          const notes = want("note") ? await readKind(chart, "note", cid) : none;
          const meds = want("med") ? await readKind(chart, "med", cid) : none;
          const dx = want("dx") ? await readKind(chart, "dx", cid) : none;
          failures.push(...notes.failures, ...meds.failures, ...dx.failures);
          const docs = searchDocs({ notes: notes.records, meds: meds.records, dx: dx.records }, { psychotherapy: !!opts.psychotherapy });
          for (const doc of docs) {
            if ((since && doc.date < since) || (until && doc.date > until)) continue;
            const hits = matchTokens(tokens(doc.text), query);
            if (hits) results.push({ doc, snip: snippet(doc.text, hits) });
          }
        }
        ctx.incomplete(failures);
        results.sort((a, b) => byNewestDoc(a.doc, b.doc));
        const shown = results.slice(0, limit);
        if (ctx.out.json) {
          ctx.out.data(
            shown.map(({ doc, snip }) => ({ client: doc.client, name: names.get(doc.client) ?? null, date: doc.date, kind: doc.kind, type: doc.type, id: doc.id, snippet: snip.text, matches: snip.marks })),
          ); return;
        }
        if (shown.length === 0) { ctx.out.info("no matches"); return; }
        ctx.out.table(
          shown.map(({ doc, snip }) => [doc.date, names.get(doc.client) ?? shortId(doc.client), doc.kind === "note" ? doc.type : `${doc.kind} ${doc.type}`, shortId(doc.id), highlight(ctx, snip)]),
          ["DATE", "CLIENT", "KIND", "ID", "MATCH"],
        );
      }),
    );
}
