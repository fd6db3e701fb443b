/**
 * chart client merge DUP --into CLIENT: a client added twice. The duplicate's live records are
 * written again under the real client (new ids, references kept, signed notes signed again),
 * and the duplicate is voided, in one commit (docs/corrections.md).
 */
import type { Command } from "commander";
import { displayName } from "../../domain/client.js";
import { stamp } from "../../domain/dates.js";
import { dxHistoryProblems } from "../../domain/dx.js";
import { invalid, usageError } from "../../domain/errors.js";
import { shortId } from "../../domain/ids.js";
import { medHistoryProblems } from "../../domain/med.js";
import { remapRecords } from "../../domain/client-merge.js";
import { ofKind, type BaseRecord, type ChartRecord, type RecordKind } from "../../domain/record.js";
import type { VoidRecord } from "../../domain/void.js";
import { clinicianName } from "../../store/clinician.js";
import { commitRecords } from "../../store/records.js";
import { readLive } from "../../store/voids.js";
import type { Registrar } from "../program.js";
import { confirm } from "../prompt.js";
import { sign } from "./note.js";

const KINDS: RecordKind[] = ["note", "med", "dx", "consent", "disclosure", "access", "amendment"];

export function registerClientMerge(program: Command, reg: Registrar): void {
  const client = program.commands.find((c) => c.name() === "client");
  if (!client) return;
  client
    .command("merge")
    .description("fold a duplicate client's records into the real client, then void the duplicate (one commit)")
    .argument("<duplicate>", "the client added twice: id or id prefix")
    .option("--into <client>", "the client to keep")
    .option("-y, --yes", "do not ask for confirmation")
    .action(
      reg.action(async (ctx, [q], opts) => {
        if (typeof opts.into !== "string") throw usageError("E_MISSING", "--into is required", "pass --into CLIENT");
        const dup = await ctx.client(q as string);
        const into = await ctx.client(opts.into);
        if (dup.id === into.id) throw invalid("E_SAME_CLIENT", "a client cannot be merged into itself", "name the duplicate and the client to keep");
        const chart = await ctx.chart();
        const read = async (cid: string) => {
          const all: ChartRecord[] = [];
          for (const k of KINDS) {
            const r = await readLive(chart, k, cid);
            if (r.failures.length) {
              ctx.reportFailures(r.failures);
              throw invalid("E_UNREADABLE", "some records cannot be read; nothing was merged", "run chart fsck");
            }
            all.push(...r.records);
          }
          return all;
        };
        const [fromDup, ofInto] = [await read(dup.id), await read(into.id)];
        const { records } = remapRecords(fromDup, into.id, (k) => ctx.newId(k));
        // The histories must still fold together (the same diagnosis current on both, say).
        const meds = (xs: readonly ChartRecord[]) => xs.filter(ofKind("med"));
        const dx = (xs: readonly ChartRecord[]) => xs.filter(ofKind("dx"));
        const before = dxHistoryProblems(dx(ofInto)).size + medHistoryProblems(meds(ofInto)).size;
        const after = dxHistoryProblems([...dx(ofInto), ...dx(records)]).size + medHistoryProblems([...meds(ofInto), ...meds(records)]).size;
        if (after > before) {
          throw invalid("E_MERGE_CONFLICT", "the two clients' diagnosis or medication histories conflict (the same code current on both, say); nothing was merged", "void the duplicate's conflicting events first (chart timeline DUP), then merge");
        }
        const now = stamp(ctx.deps.now());
        const out: BaseRecord[] = [];
        for (const r of records) {
          if (r.kind === "note" && r.status === "signed") {
            const { signed: _s, ...rest } = r;
            out.push(await sign(ctx, { ...rest, created: now, status: "draft" }));
          } else out.push({ ...r, created: now });
        }
        if (!(await confirm(ctx.deps, !!opts.yes, `Fold ${out.length} record(s) of ${shortId(dup.id)} into ${displayName(into)} (${shortId(into.id)}) and void ${shortId(dup.id)}?`))) return 1;
        const v: VoidRecord = { chart: 1, kind: "void", id: ctx.newId("void"), client: dup.id, created: now, target: dup.id, targetKind: "client", date: ctx.today(), at: now, by: await clinicianName(ctx.deps.env, chart.root), reason: `duplicate of ${into.id}; records merged into it` };
        await commitRecords(chart, [...out, v], "chart: merge clients");
        if (ctx.out.json) { ctx.out.data({ into: into.id, duplicate: dup.id, records: out.length, void: v.id }); return; }
        ctx.out.info(`merged ${out.length} record(s) into ${shortId(into.id)}; ${shortId(dup.id)} is voided (kept in history)`);
      }),
    );
}
