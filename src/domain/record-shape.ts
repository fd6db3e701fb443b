/**
 * The shape of each record kind (docs/decisions.md, "Records: one union, one set of field
 * rules"): which fields a record must carry and what each present field may be, per kind and,
 * within a kind, per `event` (or a disclosure's `basis`). One validator, pure: the read path
 * checks every record it hands out with it (src/store/records.ts), and `chart import` checks
 * every line's record with it before anything is written.
 *
 * Lenient where records legitimately differ: fields added after 0.1.0 (a grant's `statements`,
 * `form`, `nameless`; a dx event's `withoutLabels`, `forced`) are optional, and fields this
 * version does not know (written by a newer one) are kept and not looked at. Strict on what is
 * there: a field of the wrong type, or an enumerated field (a note type, a status, a share
 * category) holding a value this version does not know, is refused, since the code acting on
 * it (a share's selection above all) cannot know what it means.
 */
import { ACCESS_FORMATS } from "./access.js";
import { BASES } from "./accounting.js";
import { SHARE_CATEGORIES } from "./consent.js";
import { DX_EVENT_TYPES, DX_STATUSES } from "./dx.js";
import { bool, count, cpt, date, fieldProblems, idOf, instant, labels, listOf, minutes, object, oneOf, rule, text, textList, type Fields } from "./fields.js";
import { MED_EVENT_TYPES } from "./med.js";
import { NOTE_TYPES } from "./note.js";
import type { AnyRecord, ChartRecord, RecordKind, RecordOf } from "./record.js";
import { VOIDABLE_KINDS } from "./void.js";

/** Envelope fields every kind may carry (kind, id, client and chart are checked with the MAC). */
const ENVELOPE: Fields = {
  required: { created: instant },
  optional: { updated: instant, body: text, alternatives: rule((v): v is unknown[] => Array.isArray(v), "must be a list") },
};

const recipient = object({ required: { name: text }, optional: { organization: text, contact: text, ageRecipient: text } }, "must be a recipient (a name, and optionally organization, contact, ageRecipient as text)");
const fileList = listOf(object<{ name: string; sha256: string }>({ required: { name: text, sha256: text } }, "a file"), "must be a list of {name, sha256}");
const signature = object({ required: { by: text, key: text, at: text, hash: text } }, "must have by, key, at and hash");

const merge = (...parts: Fields[]): Fields => ({
  required: Object.assign({}, ...parts.map((p) => p.required)) as Fields["required"],
  optional: Object.assign({}, ...parts.map((p) => p.optional ?? {})) as NonNullable<Fields["optional"]>,
});

/** A kind whose fields depend on one field's value (`event`, or a disclosure's `basis`). */
interface Variants {
  on: string;
  /** The variant a record falls in, from the value of `on` (undefined: no such variant). */
  pick(value: unknown): string | undefined;
  variants: Readonly<Record<string, Fields>>;
}

type KindShape = Fields | Variants;

const byEvent = (events: Readonly<Record<string, Fields>>): Variants => ({
  on: "event",
  pick: (v) => (typeof v === "string" && Object.hasOwn(events, v) ? v : undefined),
  variants: events,
});

const med = (extra: Fields): Fields =>
  merge({ required: { event: oneOf(MED_EVENT_TYPES), med: idOf("med", "medication"), date }, optional: { name: text, dose: text, route: text, frequency: text, prescriber: text, reason: text, labels } }, extra);

const formatList = listOf(oneOf(ACCESS_FORMATS), `must be a list of ${ACCESS_FORMATS.join(", ")}`);
const disclosureCommon: Fields = { required: { date, at: instant, recipient, purposes: textList, description: text } };
const accountable = Object.keys(BASES) as (keyof typeof BASES)[];

export const SHAPES: Readonly<Record<RecordKind, KindShape>> = {
  client: {
    required: { name: text, status: oneOf(["active", "discharged"] as const), admitted: date },
    optional: { preferredName: text, pronouns: text, dob: date, email: text, phone: text, emergencyContact: text, discharged: date, dischargeReason: text },
  },
  note: {
    required: { type: oneOf(NOTE_TYPES), template: text, date, status: oneOf(["draft", "signed"] as const), body: text },
    optional: { duration: minutes, cpt, labels, signed: signature, addendumTo: idOf("note") },
  },
  med: byEvent({
    start: med({ required: { name: text } }),
    change: med({ required: {} }),
    stop: med({ required: {} }),
  }),
  dx: {
    required: { event: oneOf(DX_EVENT_TYPES), code: text, date, status: oneOf(DX_STATUSES) },
    optional: { description: text, onset: date, primary: bool, labels, withoutLabels: labels, forced: object({ required: { codeSet: text } }, "must be {codeSet}") },
  },
  consent: byEvent({
    grant: {
      required: { event: oneOf(["grant"] as const), recipient, discloser: text, purposes: textList, categories: listOf(oneOf(SHARE_CATEGORIES), `must be a list of: ${SHARE_CATEGORIES.join(", ")}`), signed: date, signedBy: text },
      optional: { from: date, until: date, expires: date, expiresOn: text, authority: text, statements: textList, statementsFrom: oneOf(["form", "practice", "chart"] as const), form: object({ required: { sha256: text, bytes: count }, optional: { type: text } }, "must be {sha256, bytes, type}"), nameless: bool },
    },
    revoke: { required: { event: oneOf(["revoke"] as const), revokes: idOf("consent", "authorization"), date }, optional: { reason: text } },
  }),
  disclosure: {
    on: "basis",
    pick: (v) => (v === undefined ? "authorized" : v === "individual" ? "provided" : typeof v === "string" && Object.hasOwn(BASES, v) ? "accountable" : undefined),
    variants: {
      // A share under an authorization. 0.1.0's `chart import` took one without the bundle's
      // details, so those stay optional.
      authorized: merge(disclosureCommon, {
        required: {},
        optional: { consent: idOf("consent", "authorization"), items: textList, formats: textList, bundleHash: text, files: fileList, encrypted: bool, encryptedFiles: fileList, encryption: oneOf(["recipient", "passphrase"] as const), statement: text },
      }),
      accountable: merge(disclosureCommon, { required: { basis: oneOf(accountable), items: textList }, optional: { address: text } }),
      provided: merge(disclosureCommon, { required: { basis: oneOf(["individual"] as const), requested: date, items: textList, from: date, until: date, files: fileList } }),
    },
  },
  void: { required: { target: text, targetKind: oneOf(VOIDABLE_KINDS), date, at: instant, by: text, reason: text } },
  access: byEvent({
    request: { required: { event: oneOf(["request"] as const), received: date, formats: formatList }, optional: { note: text } },
    extend: { required: { event: oneOf(["extend"] as const), request: idOf("access", "access request"), date, reason: text } },
    deny: { required: { event: oneOf(["deny"] as const), request: idOf("access", "access request"), date, scope: oneOf(["private-passages"] as const), reason: text, by: text } },
    fulfil: {
      required: { event: oneOf(["fulfil"] as const), request: idOf("access", "access request"), date, at: instant, by: text, formats: formatList, files: fileList, encryption: oneOf(["recipient", "passphrase", "none"] as const), privateWithheld: bool },
    },
  }),
  amendment: byEvent({
    request: { required: { event: oneOf(["request"] as const), note: idOf("note"), text, received: date } },
    ...Object.fromEntries(
      (["accept", "deny", "statement"] as const).map((e) => [
        e,
        { required: { event: oneOf([e]), request: idOf("amendment", "amendment request"), date, by: text, addendum: idOf("note") }, optional: { reason: text, text } },
      ]),
    ),
  }),
};

const isVariants = (s: KindShape): s is Variants => "variants" in s;

/** The fields a record of this kind is checked against (its variant's, for kinds with variants). */
function fieldsFor(r: Record<string, unknown>, kind: RecordKind): Fields | string {
  const s = SHAPES[kind];
  if (!isVariants(s)) return s;
  const v = s.pick(r[s.on]);
  if (v === undefined) {
    const names = s.on === "basis" ? ["(none)", "individual", ...accountable] : Object.keys(s.variants);
    return r[s.on] === undefined ? `missing '${s.on}'` : `'${s.on}' must be one of: ${names.join(", ")}`;
  }
  return s.variants[v] as Fields;
}

/**
 * What is wrong with a record's shape, each problem naming a field and never its value; empty
 * when it is a well-formed record of its kind.
 */
export function shapeProblems(r: AnyRecord): string[] {
  const fields = fieldsFor(r, r.kind);
  if (typeof fields === "string") return [fields];
  return [...fieldProblems(r, ENVELOPE), ...fieldProblems(r, fields)];
}

/**
 * The field rules as one string: every field name and what each rule says (the rules' functions
 * drop out). A read cache remembers a hash of it, the rules its entries were checked against, so
 * a cache hit needs no check again while the rules are the same (src/store/cache.ts).
 */
export const shapesText = (): string => JSON.stringify({ ENVELOPE, SHAPES });

/** A record of the right shape for its kind. */
export const isChartRecord = (r: AnyRecord): r is AnyRecord & ChartRecord => shapeProblems(r).length === 0;

/** A record of the right shape and of kind `kind`. */
export const isRecordOf = <K extends RecordKind>(r: AnyRecord, kind: K): r is AnyRecord & RecordOf<K> => r.kind === kind && isChartRecord(r);

/** Every field name a record of this kind may carry, envelope included (import reads these). */
export function fieldNames(kind: RecordKind): string[] {
  const s = SHAPES[kind];
  const all = isVariants(s) ? Object.values(s.variants) : [s];
  const names = new Set<string>(["kind", "id", "client", ...Object.keys(ENVELOPE.required), ...Object.keys(ENVELOPE.optional ?? {})]);
  if (isVariants(s)) names.add(s.on);
  for (const f of all) for (const k of [...Object.keys(f.required), ...Object.keys(f.optional ?? {})]) names.add(k);
  names.delete("alternatives");
  return [...names];
}
