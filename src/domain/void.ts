/**
 * Correcting mistakes without erasing them (docs/corrections.md). A record entered in error
 * (a note on the wrong client, a medication that was never taken, a duplicate client) is
 * voided by a new record of its own, clients/<cid>/voids/<vid>.age, saying who voided what,
 * when and why. The voided record stays in the chart and in git history; current state,
 * shares and exports leave it out, history and the client's own copy show it as voided.
 *
 * What a void reaches (`voidedIds`): the record it names; the addenda of a voided note; every
 * record of a voided client. Voiding a medication start or a diagnosis add that later events
 * still build on is refused (`checkVoid`): those events are voided first, newest first, so
 * the history that remains always folds.
 */
import type { IsoDate } from "./dates.js";
import { dxHistoryProblems } from "./dx.js";
import { conflict, invalid } from "./errors.js";
import { shortId } from "./ids.js";
import { medHistoryProblems } from "./med.js";
import { ofKind, type AnyRecord, type BaseRecord, type ChartRecord, type RecordKind } from "./record.js";

export const VOIDABLE_KINDS = ["client", "note", "med", "dx", "consent"] as const satisfies readonly RecordKind[];
export type VoidableKind = (typeof VOIDABLE_KINDS)[number];

export interface VoidRecord extends BaseRecord {
  kind: "void";
  target: string; // id of the voided record
  targetKind: VoidableKind;
  date: IsoDate; // the day it was voided
  at: string; // ISO instant
  by: string; // who voided it
  reason: string;
}

/** What a voided record shows in history: who, when and why. */
export interface VoidMark {
  void: string; // the void record's id
  at: string;
  by: string;
  reason: string;
}

/** The reason recorded when none is given (allowed for anything but a signed note). */
export const DEFAULT_VOID_REASON = "entered in error";

const markOf = (v: VoidRecord): VoidMark => ({ void: v.id, at: v.at, by: v.by, reason: v.reason });

/**
 * Every id the voids reach among `records`, with the void that reaches it: the records named,
 * the addenda of voided notes, and everything of a voided client. Only voids of the record's
 * own client count (a void file cannot reach another client's record).
 */
export function voidedIds(records: readonly (ChartRecord | AnyRecord)[], voids: readonly VoidRecord[]): Map<string, VoidMark> {
  const direct = new Map<string, VoidRecord>();
  for (const v of [...voids].sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.id < b.id ? -1 : 1))) {
    const key = `${v.client} ${v.target}`;
    if (!direct.has(key)) direct.set(key, v);
  }
  const out = new Map<string, VoidMark>();
  const hit = (client: string, id: string) => direct.get(`${client} ${id}`);
  for (const r of records) {
    const to: unknown = r.kind === "note" ? r.addendumTo : undefined;
    const v = hit(r.client, r.id) ?? hit(r.client, r.client) ?? (typeof to === "string" ? hit(r.client, to) : undefined);
    if (v) out.set(r.id, markOf(v));
  }
  return out;
}

/** The records no void reaches: what current state, shares and exports are made from. */
export function withoutVoided<T extends ChartRecord | AnyRecord>(records: readonly T[], voids: readonly VoidRecord[]): T[] {
  if (voids.length === 0) return [...records];
  const gone = voidedIds(records, voids);
  return records.filter((r) => !gone.has(r.id));
}

/** Is this client voided (entered in error) by one of its own voids? */
export const isClientVoided = (client: string, voids: readonly VoidRecord[]): boolean => voids.some((v) => v.client === client && v.target === client);

export interface VoidCheckInput {
  target: ChartRecord;
  reason: string | undefined;
  /** The client's voids already recorded. */
  voids: readonly VoidRecord[];
  /** The client's records of the target's kind (for medication and diagnosis histories). */
  siblings: readonly ChartRecord[];
}

/**
 * May `target` be voided? Refuses (exit 3) a signed note without a reason, kinds that are
 * never voided (disclosures are the accounting; a void is undone by no one), a record already
 * voided (exit 5), and a medication or diagnosis event later events still depend on.
 * Returns the reason to record.
 */
export function checkVoid(input: VoidCheckInput): string {
  const { target, voids, siblings } = input;
  const reason = input.reason?.trim();
  if (!(VOIDABLE_KINDS as readonly string[]).includes(target.kind)) {
    throw invalid(
      "E_VOID_KIND",
      target.kind === "disclosure" ? "a disclosure cannot be voided: it is part of the accounting of disclosures" : `a ${target.kind} record cannot be voided`,
      "record what happened in a note instead",
    );
  }
  if (input.reason !== undefined && reason === "") throw invalid("E_VOID_REASON", "--reason is empty", 'say why, e.g. --reason "written on the wrong client"');
  const already = voidedIds([target], voids).get(target.id);
  if (already) {
    throw conflict("E_ALREADY_VOIDED", `${shortId(target.id)} is already voided (${already.at}: ${already.reason})`, "nothing to do");
  }
  if (target.kind === "note" && target.status === "signed" && !reason) {
    throw invalid("E_VOID_REASON", `${shortId(target.id)} is a signed note: voiding it needs a reason`, 'pass --reason "why it was entered in error"');
  }
  if (target.kind === "med" || target.kind === "dx") {
    const live = withoutVoided(siblings, voids);
    const rest = live.filter((r) => r.id !== target.id);
    const problems = (xs: readonly ChartRecord[]) => (target.kind === "med" ? medHistoryProblems(xs.filter(ofKind("med"))) : dxHistoryProblems(xs.filter(ofKind("dx"))));
    const before = problems(live);
    const after = problems(rest);
    const broken = [...after.keys()].filter((id) => !before.has(id));
    if (broken.length) {
      throw invalid(
        "E_VOID_DEPENDENTS",
        `later event${broken.length === 1 ? "" : "s"} ${broken.map(shortId).join(", ")} depend${broken.length === 1 ? "s" : ""} on ${shortId(target.id)}; nothing was voided`,
        "void the later events first (newest first), then this one",
      );
    }
  }
  return reason || DEFAULT_VOID_REASON;
}
