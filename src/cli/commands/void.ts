/**
 * chart void RECORD [--reason R]: mark a note, medication or diagnosis event, authorization or
 * client as entered in error (docs/corrections.md). Nothing is erased: a void record says who,
 * when and why, and current state, shares and exports leave the voided record out.
 */
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import type { Command } from "commander";
import { stamp } from "../../domain/dates.js";
import { ChartError, isChartError, notFound, usageError } from "../../domain/errors.js";
import { ID_PREFIX, idMatches, shortId } from "../../domain/ids.js";
import { checkVoid, VOIDABLE_KINDS, type VoidableKind, type VoidRecord } from "../../domain/void.js";
import { clinicianName } from "../../store/clinician.js";
import { locate } from "../../store/locate.js";
import { commitRecords, readKind, readRecord } from "../../store/records.js";
import { readVoids } from "../../store/voids.js";
import type { Ctx } from "../context.js";
import type { Registrar } from "../program.js";
import { confirm } from "../prompt.js";

/** Find RECORD among the voidable kinds by id or id prefix (file names only). */
async function locateAny(ctx: Ctx, query: string): Promise<{ kind: VoidableKind; client: string; id: string }> {
  const chart = await ctx.chart();
  const q = query.trim();
  const prefix = q.includes("_") ? q.slice(0, q.indexOf("_")) : undefined;
  const kinds = VOIDABLE_KINDS.filter((k) => prefix === undefined || ID_PREFIX[k] === prefix);
  if (kinds.length === 0) {
    throw usageError("E_VOID_TARGET", `"${q.slice(0, 30)}" names no record that can be voided`, "give the id of a note (nt_), medication event (md_), diagnosis event (dx_), authorization (cs_) or client (cl_)");
  }
  const found: { kind: VoidableKind; client: string; id: string }[] = [];
  for (const kind of kinds) {
    if (kind === "client") {
      const ids = (await readdir(join(chart.root, "clients")).catch(() => [] as string[])).filter((d) => d.startsWith("cl_"));
      const hits = ids.filter((id) => id === q || idMatches(id, q));
      found.push(...hits.map((id) => ({ kind, client: id, id })));
      continue;
    }
    try {
      found.push({ kind, ...(await locate(chart, kind, q)) });
    } catch (e) {
      if (isChartError(e) && e.exit === 4) continue;
      throw e;
    }
  }
  const exact = found.filter((f) => f.id === q);
  if (exact.length === 1 || found.length === 1) return (exact[0] ?? found[0]) as (typeof found)[number];
  if (found.length === 0) throw notFound("E_RECORD_NOT_FOUND", `no record matches "${q.slice(0, 40)}"`, "give the record's id or id prefix (see chart timeline CLIENT)");
  throw new ChartError("usage", "E_RECORD_AMBIGUOUS", `"${q}" matches ${found.length} records: ${found.map((f) => shortId(f.id)).join(", ")}`, "give more of the id");
}

export function registerVoid(program: Command, reg: Registrar): void {
  program
    .command("void")
    .description("mark a note, medication or diagnosis event, authorization or client as entered in error (kept in history, left out of current state, shares and exports)")
    .argument("<record>", "the record's id or id prefix (nt_, md_, dx_, cs_, cl_)")
    .option("--reason <text>", 'why it was entered in error (required for a signed note; default "entered in error")')
    .option("-y, --yes", "do not ask for confirmation")
    .action(
      reg.action(async (ctx, [q], opts) => {
        const chart = await ctx.chart();
        const where = await locateAny(ctx, q as string);
        const target = await readRecord(chart, where.kind, where.client, where.id);
        const [{ voids, failures }, siblings] = await Promise.all([
          readVoids(chart, where.client),
          where.kind === "med" || where.kind === "dx" ? readKind(chart, where.kind, where.client) : Promise.resolve({ records: [], failures: [] }),
        ]);
        if (failures.length || siblings.failures.length) {
          ctx.reportFailures([...failures, ...siblings.failures]);
          throw new ChartError("invalid", "E_UNREADABLE", "some records of this client cannot be read; nothing was voided", "restore them from git history or run chart fsck");
        }
        const reason = checkVoid({ target, reason: opts.reason as string | undefined, voids, siblings: siblings.records });
        const what = where.kind === "client" ? `client ${shortId(where.id)} and all of its records` : `${where.kind} ${shortId(where.id)}`;
        if (!(await confirm(ctx.deps, !!opts.yes, `Void ${what} (${reason})?`))) {
          ctx.out.info("nothing was voided");
          return 1;
        }
        const now = ctx.deps.now();
        const v: VoidRecord = {
          chart: 1,
          kind: "void",
          id: ctx.newId("void"),
          client: where.client,
          created: stamp(now),
          target: where.id,
          targetKind: where.kind,
          date: ctx.today(),
          at: stamp(now),
          by: await clinicianName(ctx.deps.env, chart.root),
          reason,
        };
        await commitRecords(chart, [v], "chart: void record");
        if (ctx.out.json) { ctx.out.data({ id: v.id, target: v.target, targetKind: v.targetKind, reason: v.reason, at: v.at, by: v.by }); return; }
        ctx.out.line(v.id);
        ctx.out.info(`voided ${what}: kept in history, left out of current state, shares and exports`);
      }),
    );
}
