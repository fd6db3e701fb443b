/**
 * chart note resolve NOTE [--keep N | -m TEXT | -F FILE]: a note edited on two devices keeps
 * both versions when they are synced (docs/sync.md); this shows them and settles which stands.
 */
import type { Command } from "commander";
import { stamp } from "../../domain/dates.js";
import { invalid, notFound, usageError } from "../../domain/errors.js";
import { shortId } from "../../domain/ids.js";
import type { Alternative } from "../../domain/merge.js";
import { checkBody, firstLine, type NoteRecord } from "../../domain/note.js";
import { locate } from "../../store/locate.js";
import { commitRecords, readRecord } from "../../store/records.js";
import type { Ctx } from "../context.js";
import { collect } from "../options.js";
import type { Registrar } from "../program.js";
import { textFromFlagsOrEditor } from "../text-input.js";

export const alternativesOf = (r: { alternatives?: unknown }): Alternative[] => (Array.isArray(r.alternatives) ? (r.alternatives as Alternative[]) : []);

/** Versions other than the current one: alternatives grouped by when that version was written. */
export function otherVersions(r: { alternatives?: unknown }): { updated: string; fields: Alternative[] }[] {
  const by = new Map<string, Alternative[]>();
  for (const a of alternativesOf(r)) by.set(a.updated, [...(by.get(a.updated) ?? []), a]);
  return [...by.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([updated, fields]) => ({ updated, fields }));
}

async function findNote(ctx: Ctx, refs: string[]): Promise<NoteRecord> {
  const chart = await ctx.chart();
  const [a, b] = refs;
  const client = b !== undefined ? (await ctx.client(a as string)).id : undefined;
  const where = await locate(chart, "note", (b ?? a) as string, client);
  return readRecord(chart, "note", where.client, where.id);
}

const describe = (v: unknown): string => (typeof v === "string" ? firstLine(v) || "(empty)" : v === null ? "(cleared)" : JSON.stringify(v));

export function registerNoteResolve(note: Command, reg: Registrar): void {
  note
    .command("resolve")
    .description("a note edited on two devices: list its versions, keep one (--keep N), or give the merged text (-m/-F)")
    .argument("<note...>", "NOTE, or CLIENT NOTE")
    .option("--keep <n>", "keep version N (1 is the current one) and drop the others")
    .option("-m, --message <text>", "the merged text (repeat for paragraphs)", collect)
    .option("-F, --file <file>", "read the merged text from FILE, or - for standard input")
    .action(
      reg.action(async (ctx, refs, opts) => {
        const n = await findNote(ctx, refs);
        const others = otherVersions(n);
        if (others.length === 0) throw notFound("E_NO_VERSIONS", `note ${shortId(n.id)} has only one version`, "nothing to resolve");
        const versions = [{ updated: n.updated ?? n.created, fields: [] as Alternative[] }, ...others];
        const merged = opts.message !== undefined || opts.file !== undefined;
        if (opts.keep === undefined && !merged) {
          if (ctx.out.json) {
            ctx.out.data({ id: n.id, versions: versions.map((v, i) => ({ n: i + 1, updated: v.updated, current: i === 0, fields: i === 0 ? undefined : Object.fromEntries(v.fields.map((f) => [f.field, f.value])) })) }); return;
          }
          ctx.out.line(`1  ${versions[0]?.updated}  (current)  ${firstLine(n.body)}`);
          others.forEach((v, i) => ctx.out.line(`${i + 2}  ${v.updated}  ${v.fields.map((f) => (f.field === "body" ? describe(f.value) : `${f.field}: ${describe(f.value)}`)).join("; ")}`));
          ctx.out.info(`keep one with: chart note resolve ${shortId(n.id)} --keep N (or give the merged text with -m/-F)`);
          return;
        }
        if (opts.keep !== undefined && merged) throw usageError("E_USAGE", "give either --keep N or the merged text, not both");
        const next: NoteRecord = { ...n };
        delete (next as { alternatives?: unknown }).alternatives;
        if (opts.keep !== undefined) {
          const k = Number(opts.keep);
          if (!Number.isInteger(k) || k < 1 || k > versions.length) throw usageError("E_USAGE", `--keep takes a version number from 1 to ${versions.length}`, `list them with: chart note resolve ${shortId(n.id)}`);
          const chosen = versions[k - 1];
          if (k > 1 && n.status === "signed") throw invalid("E_NOTE_SIGNED", "the note is signed; its signed version stands", `drop the other versions with --keep 1, or add a correction with chart note amend ${shortId(n.id)}`);
          for (const f of chosen?.fields ?? []) {
            // eslint-disable-next-line @typescript-eslint/no-dynamic-delete -- a version that cleared a field
            if (f.value === null) delete (next as unknown as Record<string, unknown>)[f.field];
            else (next as unknown as Record<string, unknown>)[f.field] = f.value;
          }
        } else {
          if (n.status === "signed") throw invalid("E_NOTE_SIGNED", "the note is signed and cannot be changed", `add a correction with chart note amend ${shortId(n.id)}`);
          const { text } = await textFromFlagsOrEditor(ctx.deps, opts, n.body);
          next.body = checkBody(text);
        }
        next.updated = stamp(ctx.deps.now());
        await commitRecords(await ctx.chart(), [next], "chart: resolve note");
        if (ctx.out.json) ctx.out.data({ id: n.id, resolved: true });
        else ctx.out.info(`resolved ${shortId(n.id)}: one version stands`);
      }),
    );
}
