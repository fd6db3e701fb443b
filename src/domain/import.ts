/**
 * Import: JSONL lines in the `--json` record shape (recordJson: kind, id, client, created, ...
 * fields; a note's text in `body`) validated into records. Pure: everything about the chart
 * that matters (ids already used, existing events) is passed in. Every line is checked before
 * anything is written; problems carry the line number and a field name, never a value.
 */
import type { IsoDate } from "./dates.js";
import { errorFor } from "./errors.js";
import { dxHistoryProblems, DX_ADD_STATUSES, DX_EVENT_TYPES, DX_STATUSES, type DxEventRecord } from "./dx.js";
import { byEventOrder, groupBy } from "./events.js";
import { impliedLabels, normaliseIcd10 } from "./icd10.js";
import { ID_PREFIX, isIdOf, type IdKind } from "./ids.js";
import { cpt as cptRule, date as dateRule, idOf, instant as instantRule, labels as labelsRule, minutes, text as textRule, bool as boolRule, oneOf as oneOfRule } from "./fields.js";
import { fieldNames, shapeProblems } from "./record-shape.js";
import { voidedIds, type VoidRecord } from "./void.js";
import { accessFields, amendmentFields, consentFields, disclosureFields, EXTRA_KNOWN, extraReferenceProblems, voidFields } from "./import-extra.js";
import { LABELS, type Label } from "./labels.js";
import { MED_EVENT_TYPES, medHistoryProblems, type MedEventRecord, type MedEventType } from "./med.js";
import { NOTE_TYPES, normaliseBody, signedContent, type NoteType, type Signature } from "./note.js";
import type { AnyRecord, BaseRecord } from "./record.js";
import { checkClientFields, type ClientRecord } from "./client.js";
import { textOf } from "./text-of.js";

export const IMPORT_KINDS = ["client", "note", "med", "dx", "consent", "disclosure", "void", "access", "amendment"] as const;
export type ImportKind = (typeof IMPORT_KINDS)[number];

/** Fields that list and show commands add to the record shape; ignored on import. */
export const DERIVED_FIELDS = ["chart", "addenda", "lastService", "retainUntil", "notes", "psychotherapyNotes", "medications", "diagnoses", "consents", "conflict"];

const COMMON = ["kind", "id", "client", "created", "updated"];
const KNOWN: Record<ImportKind, readonly string[]> = {
  client: ["name", "preferredName", "pronouns", "dob", "email", "phone", "emergencyContact", "status", "admitted", "discharged", "dischargeReason"],
  note: ["type", "template", "date", "duration", "cpt", "labels", "status", "signed", "addendumTo", "body"],
  med: ["event", "med", "date", "name", "dose", "route", "frequency", "prescriber", "reason", "labels"],
  dx: ["event", "code", "date", "status", "description", "onset", "primary", "labels", "withoutLabels"],
  ...EXTRA_KNOWN,
};

export interface ImportEnv {
  today: IsoDate;
  /** Recording time for lines without `created`. */
  now: string;
  allowFuture?: boolean;
  /** Ignored: the labels a diagnosis code implies are always added (kept for callers). */
  autoLabel?: boolean;
  newId(kind: IdKind): string;
  /** contentHash: "sha256:<hex>" of a text. */
  hash(text: string): string;
  /** Who signs a note that says status "signed" but carries no signature (a migrated note). */
  signer: { by: string; key: string };
  /** Record ids already in the chart, each with its client id (from file names alone). */
  existing: ReadonlyMap<string, string>;
  /**
   * The chart's medication and diagnosis events for the clients the file touches. When given,
   * the history rules run too; without it the caller runs `checkHistories` itself.
   */
  events?: { meds: readonly MedEventRecord[]; dx: readonly DxEventRecord[] };
}

export interface ImportItem {
  line: number;
  record: AnyRecord;
}

export interface ImportIssue {
  line: number;
  message: string;
}

export interface ImportCounts {
  clients: number;
  notes: number;
  meds: number;
  dx: number;
  /** The kinds `chart export` also writes; present only when the file has them. */
  consents?: number;
  disclosures?: number;
  voids?: number;
  /** Right-of-access and amendment records. */
  requests?: number;
}

export interface ImportResult {
  items: ImportItem[];
  issues: ImportIssue[];
  counts: ImportCounts;
  /** Field names that were not recognised and were dropped, with how many lines had them. */
  ignored: Map<string, number>;
  /** Notes that said "signed" without a signature and were signed on import. */
  signedOnImport: number;
  /** dx add events that explicitly leave off a label their code implies ('withoutLabels'). */
  unlabelled: number;
}

const ID_KIND: Record<ImportKind, IdKind> = { client: "client", note: "note", med: "med", dx: "dx", consent: "consent", disclosure: "disclosure", void: "void", access: "access", amendment: "amendment" };

/**
 * Fields of a kind's shape (record-shape.ts) that the readers below do not handle: taken as
 * written, and checked with every other field by the kind's shape once the line is read.
 */
const passedFields = new Map<ImportKind, readonly string[]>();
function passed(k: ImportKind): readonly string[] {
  let list = passedFields.get(k);
  if (!list) passedFields.set(k, (list = fieldNames(k).filter((f) => !COMMON.includes(f) && !KNOWN[k].includes(f) && f !== "body")));
  return list;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Field readers for one line; each problem is pushed with the field's name, never its value. */
function fieldReader(obj: Record<string, unknown>, env: ImportEnv, problem: (msg: string) => void) {
  const has = (k: string) => obj[k] !== undefined && obj[k] !== null;
  const str = (k: string, required = false): string | undefined => {
    if (!has(k)) {
      if (required) problem(`missing '${k}'`);
      return undefined;
    }
    const v = obj[k];
    if (!textRule.check(v)) { problem(`'${k}' ${textRule.says}`); return undefined; }
    if (required && v.trim() === "") { problem(`'${k}' is empty`); return undefined; }
    return v;
  };
  const date = (k: string, required = false, opts: { future?: boolean } = {}): IsoDate | undefined => {
    const v = str(k, required);
    if (v === undefined) return undefined;
    if (!dateRule.check(v)) { problem(`'${k}' ${dateRule.says}`); return undefined; }
    if (v > env.today && !(opts.future ?? env.allowFuture)) { problem(`'${k}' is in the future (pass --allow-future if intended)`); return undefined; }
    return v;
  };
  const instant = (k: string): string | undefined => {
    const v = str(k);
    if (v === undefined) return undefined;
    if (!instantRule.check(v)) { problem(`'${k}' ${instantRule.says}`); return undefined; }
    return v;
  };
  const oneOf = <T extends string>(k: string, allowed: readonly T[], required: boolean): T | undefined => {
    const v = str(k, required);
    if (v === undefined) return undefined;
    const r = oneOfRule(allowed);
    if (!r.check(v)) { problem(`'${k}' ${r.says}`); return undefined; }
    return v;
  };
  const labels = (k = "labels"): Label[] | undefined => {
    if (!has(k)) return undefined;
    const v = obj[k];
    if (!Array.isArray(v) || v.some((x) => typeof x !== "string")) { problem(`'${k}' must be a list of label names`); return undefined; }
    const list = [...new Set((v as string[]).map((s) => s.trim().toUpperCase()))].sort();
    if (!labelsRule.check(list)) { problem(`'${k}' holds an unknown label (known: ${Object.keys(LABELS).join(", ")})`); return undefined; }
    return list.length ? list : undefined;
  };
  const bool = (k: string): boolean | undefined => {
    if (!has(k)) return undefined;
    const v = obj[k];
    if (!boolRule.check(v)) { problem(`'${k}' ${boolRule.says}`); return undefined; }
    return v;
  };
  return { has, str, date, instant, oneOf, labels, bool };
}

type Reader = ReturnType<typeof fieldReader>;

/** Copy defined optional values onto a record. */
function put(target: Record<string, unknown>, values: Record<string, unknown>): void {
  // for-in over a fresh literal, not Object.entries: no [key, value] pair array per field.
  for (const k in values) {
    const v = values[k];
    if (v !== undefined) target[k] = v;
  }
}

function clientFields(r: Reader, base: BaseRecord, problem: (m: string) => void): AnyRecord {
  const rec: AnyRecord = { ...base };
  const name = r.str("name", true);
  const status = r.oneOf("status", ["active", "discharged"] as const, false) ?? "active";
  const admitted = r.date("admitted", true);
  const discharged = r.date("discharged");
  try {
    checkClientFields({ email: r.str("email"), phone: r.str("phone") });
  } catch (e) {
    problem((e as Error).message);
  }
  if (status === "discharged" && !r.has("discharged")) problem("a discharged client needs 'discharged' (the date)");
  if (status === "active" && discharged !== undefined) problem("an active client has no 'discharged' date");
  if (admitted !== undefined && discharged !== undefined && discharged < admitted) problem("'discharged' is before 'admitted'");
  put(rec, {
    name,
    preferredName: r.str("preferredName"),
    pronouns: r.str("pronouns"),
    dob: r.date("dob", false, { future: false }),
    email: r.str("email"),
    phone: r.str("phone"),
    emergencyContact: r.str("emergencyContact"),
    status,
    admitted,
    discharged,
    dischargeReason: r.str("dischargeReason"),
  });
  return rec;
}

function noteFields(r: Reader, obj: Record<string, unknown>, base: BaseRecord, env: ImportEnv, problem: (m: string) => void, onSign: () => void): AnyRecord {
  const type = r.oneOf<NoteType>("type", NOTE_TYPES, true);
  const rec: AnyRecord = { ...base };
  const date = r.date("date", true);
  const rawBody = r.str("body", true);
  const body = rawBody === undefined ? undefined : normaliseBody(rawBody);
  if (rawBody !== undefined && body === "") problem("'body' is empty");
  let duration: number | undefined;
  if (r.has("duration")) {
    const v = obj.duration;
    if (!minutes.check(v)) problem(`'duration' ${minutes.says}`);
    else duration = v;
  }
  const cpt = r.str("cpt");
  if (cpt !== undefined && !cptRule.check(cpt)) problem(`'cpt' ${cptRule.says}`);
  const addendumTo = r.str("addendumTo");
  const noteId = idOf("note");
  if (addendumTo !== undefined && !noteId.check(addendumTo)) problem(`'addendumTo' ${noteId.says}`);
  if (type === "addendum" && addendumTo === undefined) problem("an addendum needs 'addendumTo'");
  if (type !== undefined && type !== "addendum" && addendumTo !== undefined) problem("only an addendum has 'addendumTo'");
  const template = r.str("template") ?? "free";
  let status = r.oneOf("status", ["draft", "signed"] as const, false);
  let signed: Signature | undefined;
  if (r.has("signed")) {
    const s = obj.signed;
    if (!isObject(s) || !["by", "key", "at", "hash"].every((k) => typeof s[k] === "string" && s[k] !== "")) {
      problem("'signed' must have by, key, at and hash");
    } else {
      signed = { by: s.by as string, key: s.key as string, at: s.at as string, hash: s.hash as string };
      if (status === "draft") problem("a draft cannot carry a signature ('status' is draft, 'signed' is set)");
      status = "signed";
    }
  }
  put(rec, {
    type,
    template,
    date,
    duration,
    cpt,
    labels: r.labels(),
    status: status ?? "draft",
    addendumTo,
    body,
  });
  if (status === "signed" && type !== undefined && date !== undefined && body !== undefined && body !== "") {
    const hash = env.hash(signedContent({ id: base.id, client: base.client, type, template, date, duration, cpt, addendumTo, body }));
    if (signed && signed.hash !== hash) problem("the signature's hash does not match the note's content (altered after signing?)");
    else if (!signed) {
      signed = { by: env.signer.by, key: env.signer.key, at: env.now, hash };
      onSign();
    }
    rec.signed = signed;
  }
  return rec;
}

function medFields(r: Reader, base: BaseRecord, problem: (m: string) => void): AnyRecord {
  const event = r.oneOf<MedEventType>("event", MED_EVENT_TYPES, true);
  const rec: AnyRecord = { ...base };
  const med = r.str("med");
  if (med !== undefined && !isIdOf("med", med)) problem("'med' is not a medication id");
  put(rec, {
    event,
    med,
    date: r.date("date", true),
    name: r.str("name", event === "start"),
    dose: r.str("dose"),
    route: r.str("route"),
    frequency: r.str("frequency"),
    prescriber: r.str("prescriber"),
    reason: r.str("reason"),
    labels: r.labels(),
  });
  if (event !== undefined && event !== "start" && rec.name !== undefined) problem("only a start event has 'name'");
  if (event === "change" && !["dose", "route", "frequency", "prescriber", "labels"].some((k) => rec[k] !== undefined)) {
    problem("a change needs at least one of dose, route, frequency, prescriber, labels");
  }
  return rec;
}

function dxFields(r: Reader, base: BaseRecord, env: ImportEnv, problem: (m: string) => void, onUnlabelled: () => void): AnyRecord {
  const event = r.oneOf("event", DX_EVENT_TYPES, true);
  const rec: AnyRecord = { ...base };
  const raw = r.str("code", true);
  const code = raw === undefined ? undefined : normaliseIcd10(raw);
  if (raw !== undefined && code === null) problem("'code' is not an ICD-10-CM code");
  const status = r.oneOf("status", event === "add" ? DX_ADD_STATUSES : DX_STATUSES, event !== "add") ?? (event === "add" ? "active" : undefined);
  const date = r.date("date", true);
  const onset = r.date("onset");
  if (onset !== undefined && date !== undefined && onset > date) problem("'onset' is after 'date'");
  // The labels a code implies are always applied (src/domain/dx-labels.ts); a line leaves one
  // off only by naming it in 'withoutLabels', which the event then records.
  let labels = r.labels();
  const without = r.labels("withoutLabels");
  if (without && event !== "add") problem("only an add event has 'withoutLabels'");
  if (code && event === "add") {
    const implied = impliedLabels(code);
    const notImplied = (without ?? []).filter((l) => !implied.includes(l));
    if (notImplied.length) problem(`'withoutLabels' names ${notImplied.join(", ")}, which the code does not imply`);
    const missing = implied.filter((l) => !(labels ?? []).includes(l) && !(without ?? []).includes(l));
    if (missing.length) labels = [...new Set([...(labels ?? []), ...missing])].sort();
    if (without?.length) onUnlabelled();
  }
  put(rec, {
    event,
    code: code ?? undefined,
    date,
    status,
    description: r.str("description"),
    onset,
    primary: r.bool("primary"),
    labels,
    withoutLabels: event === "add" ? without : undefined,
  });
  return rec;
}

/** What reading lines carries from one line to the next. */
interface LineState {
  issues: ImportIssue[];
  ignored: Map<string, number>;
  firstLineOf: Map<string, number>; // id -> line
  signedOnImport: number;
  unlabelled: number;
  /** Making accepted lines again: ids were checked for repeats then, and are not kept now. */
  replay?: boolean;
}

const newState = (replay = false): LineState => ({ issues: [], ignored: new Map(), firstLineOf: new Map(), signedOnImport: 0, unlabelled: 0, replay });

const utf8 = new TextDecoder("utf-8"); // invalid bytes become U+FFFD, as reading a file as UTF-8 does

/**
 * Each non-empty line of a text with its number (1-based), without splitting the whole text. The
 * text may be the input's bytes (UTF-8): each line is decoded as it is read, so the input is held
 * once, as bytes, outside the JavaScript heap (a newline byte never occurs inside a UTF-8
 * sequence).
 */
function* linesOf(text: string | Uint8Array): Generator<[number, string]> {
  let at = 0;
  for (let line = 1; at <= text.length; line += 1) {
    let end = typeof text === "string" ? text.indexOf("\n", at) : text.indexOf(10, at);
    if (end < 0) end = text.length;
    const stop = end > at && (typeof text === "string" ? text.charCodeAt(end - 1) : text[end - 1]) === 13 ? end - 1 : end;
    const src = (typeof text === "string" ? text.slice(at, stop) : utf8.decode(text.subarray(at, stop))).trim();
    at = end + 1;
    if (src !== "") yield [line, src];
  }
}

/** One line read into its record (its problems pushed onto the state), or undefined. */
function readLine(src: string, line: number, env: ImportEnv, st: LineState): AnyRecord | undefined {
  const { issues, ignored, firstLineOf } = st;
  const problem = (message: string) => issues.push({ line, message });
  const issuesBefore = issues.length;
  let obj: unknown;
  try {
    obj = JSON.parse(src);
  } catch {
    problem("not valid JSON");
    return undefined;
  }
  if (!isObject(obj)) {
    problem("not a JSON object");
    return undefined;
  }
  const kind = obj.kind;
  if (typeof kind !== "string" || !(IMPORT_KINDS as readonly string[]).includes(kind)) {
    problem(`'kind' must be one of: ${IMPORT_KINDS.join(", ")}`);
    return undefined;
  }
  const k = kind as ImportKind;
  if (obj.chart !== undefined && obj.chart !== 1) problem("'chart' must be 1 when given");
  for (const f of Object.keys(obj)) {
    if (COMMON.includes(f) || KNOWN[k].includes(f) || DERIVED_FIELDS.includes(f) || passed(k).includes(f)) continue;
    const name = f.replace(/[^A-Za-z0-9_-]/g, "?").slice(0, 40);
    ignored.set(name, (ignored.get(name) ?? 0) + 1);
  }
  const r = fieldReader(obj, env, (m) => problem(`${k}: ${m}`));
  const kp = (m: string) => problem(`${k}: ${m}`);
  // id and client
  let id = r.str("id");
  if (id !== undefined && !isIdOf(ID_KIND[k], id)) {
    kp(`'id' is not a ${k} id (${ID_PREFIX[ID_KIND[k]]}_ and 26 characters)`);
    id = undefined;
  } else if (id !== undefined && !st.replay) {
    const prev = firstLineOf.get(id);
    if (prev !== undefined) kp(`'id' also appears on line ${prev}`);
    else if (env.existing.has(id)) kp("'id' already exists in the chart (import adds records; it never replaces them)");
    else firstLineOf.set(id, line);
  }
  const newId = id ?? env.newId(ID_KIND[k]);
  let client = r.str("client", k !== "client");
  if (k === "client") {
    if (client !== undefined && client !== newId) kp("'client' must equal 'id' on a client line");
    client = newId;
  } else if (client !== undefined && !isIdOf("client", client)) {
    kp("'client' is not a client id");
    client = undefined;
  }
  const base: BaseRecord = { chart: 1, kind: k, id: newId, client: client ?? "", created: r.instant("created") ?? env.now };
  const updated = r.instant("updated");
  if (updated !== undefined) base.updated = updated;
  let record: AnyRecord;
  if (k === "client") record = clientFields(r, base, kp);
  else if (k === "note") record = noteFields(r, obj, base, env, kp, () => (st.signedOnImport += 1));
  else if (k === "med") {
    record = medFields(r, base, kp);
    if (record.event === "start") {
      if (record.med !== undefined && record.med !== newId) kp("on a start, 'med' must equal 'id'");
      record.med = newId;
    } else if (record.event !== undefined && record.med === undefined) kp(`a ${textOf(record.event)} needs 'med' (the id of the medication's start event)`);
  } else if (k === "dx") record = dxFields(r, base, env, kp, () => (st.unlabelled += 1));
  else if (k === "consent") record = consentFields(r, obj, base, kp);
  else if (k === "disclosure") record = disclosureFields(r, obj, base, kp);
  else if (k === "void") record = voidFields(r, base, kp);
  else if (k === "access") record = accessFields(r, obj, base, kp);
  else record = amendmentFields(r, base, kp);
  for (const f of passed(k)) if (obj[f] !== undefined && record[f] === undefined) record[f] = obj[f];
  // The line's record must be one the read path accepts: the kind's shape, the same rules.
  if (issues.length === issuesBefore) for (const p of shapeProblems(record)) kp(p);
  return record;
}

/**
 * What the checks across lines need of a note (references, voids, counts, its path), without
 * its text: `light` parsing keeps this instead of the note, and `replayImport` makes the note
 * again when it is written, so an import does not hold every note's text at once.
 */
const noteStub = (r: AnyRecord, intern: Map<string, string>): AnyRecord => {
  // One copy of each client id and creation time, not one a line: tens of thousands of stubs.
  const one = (v: string): string => intern.get(v) ?? (intern.set(v, v), v);
  const stub: AnyRecord = { chart: 1, kind: r.kind, id: r.id, client: one(r.client), created: one(r.created) };
  if (r.type !== undefined) stub.type = r.type;
  if (r.addendumTo !== undefined) stub.addendumTo = r.addendumTo;
  return stub;
};

export interface ParseOptions {
  /** Keep only a stub of each note (noteStub); the records are made again by replayImport. */
  light?: boolean;
}

/** Parse and check every line; references are resolved within the file and against `env.existing`. */
export function parseImport(text: string | Uint8Array, env: ImportEnv, maxIssues = 100, opts: ParseOptions = {}): ImportResult & { generated: string[] } {
  const st = newState();
  const { issues } = st;
  const items: ImportItem[] = [];
  // The ids made for lines without one, in order: replayImport makes the same records with them.
  const generated: string[] = [];
  const lineEnv: ImportEnv = {
    ...env,
    newId: (k) => {
      const id = env.newId(k);
      generated.push(id);
      return id;
    },
  };
  const intern = new Map<string, string>();
  for (const [line, src] of linesOf(text)) {
    const record = readLine(src, line, lineEnv, st);
    if (record) items.push({ line, record: opts.light && record.kind === "note" ? noteStub(record, intern) : record });
    if (issues.length >= maxIssues) break;
  }
  if (issues.length < maxIssues) checkReferences(items, env, issues);
  if (issues.length === 0 && env.events) checkHistories(items, env.events, issues);
  return { items, issues: issues.sort((a, b) => a.line - b.line).slice(0, maxIssues), counts: countItems(items), ignored: st.ignored, signedOnImport: st.signedOnImport, unlabelled: st.unlabelled, generated };
}

/**
 * The records of a text parseImport accepted, made again one line at a time, in the same order
 * and the same (ids made then are given back in `generated`, in order; `env` as then).
 */
export function* replayImport(text: string | Uint8Array, env: ImportEnv, generated: readonly string[]): Generator<AnyRecord> {
  const st = newState(true);
  let k = 0;
  const lineEnv: ImportEnv = {
    ...env,
    newId: () => {
      const id = generated[k++];
      if (id === undefined) throw errorFor("E_INTERNAL", "import replay: more ids asked for than were made", "run the import again");
      return id;
    },
  };
  for (const [line, src] of linesOf(text)) {
    const record = readLine(src, line, lineEnv, st);
    if (!record || st.issues.length) throw errorFor("E_INTERNAL", `import replay: line ${line} no longer reads as it did`, "run the import again");
    yield record;
  }
}

/** Client ids, note targets and medication ids must resolve within the file or the chart. */
function checkReferences(items: readonly ImportItem[], env: ImportEnv, issues: ImportIssue[]): void {
  const clientsInFile = new Set(items.filter((i) => i.record.kind === "client").map((i) => i.record.id));
  const byId = new Map(items.map((i) => [i.record.id, i.record]));
  const clientOf = (id: string): string | undefined => byId.get(id)?.client ?? env.existing.get(id);
  for (const { line, record: r } of items) {
    if (r.kind === "client" || r.client === "") continue;
    const problem = (m: string) => issues.push({ line, message: `${r.kind}: ${m}` });
    if (!clientsInFile.has(r.client) && !(env.existing.has(r.client) && env.existing.get(r.client) === r.client)) {
      problem("'client' names no client in the file or the chart");
      continue;
    }
    if (r.kind === "note" && typeof r.addendumTo === "string") {
      const target = byId.get(r.addendumTo);
      const owner = clientOf(r.addendumTo);
      if (owner === undefined || !r.addendumTo.startsWith("nt_")) problem("'addendumTo' names no note in the file or the chart");
      else if (owner !== r.client) problem("'addendumTo' names a note of another client");
      else if (target && target.type === "addendum") problem("'addendumTo' names an addendum; addenda attach to the original note");
    }
    const extra = extraReferenceProblems(r, byId, clientOf);
    if (extra) problem(extra);
    if (r.kind === "med" && r.event !== "start" && typeof r.med === "string") {
      const owner = clientOf(r.med);
      const start = byId.get(r.med);
      if (owner === undefined) problem("'med' names no medication in the file or the chart");
      else if (owner !== r.client) problem("'med' names a medication of another client");
      else if (start && start.event !== "start") problem("'med' must name the medication's start event");
    }
  }
}

const HISTORY_TEXT: Record<string, string> = {
  E_MED_BAD_START: "a start's 'med' must be its own id",
  E_MED_STARTED: "the medication already has a start event",
  E_MED_NOT_STARTED: "the medication has not started by this event's date",
  E_MED_NOT_ACTIVE: "the medication is already stopped by this event's date",
  E_DX_BAD_STATUS: "a diagnosis is added as provisional or active",
  E_DX_EXISTS: "the code is already current (provisional or active) at this event's date",
  E_DX_NOT_ON_LIST: "the code is not on the client's list at this event's date (add it first)",
  E_DX_NOT_CURRENT: "the code is already resolved or ruled out at this event's date",
};

/**
 * The medication and diagnosis rules over the file's events together with the chart's own
 * events for the same medications and codes. Problems already in the chart are not blamed on
 * the file; a file event that would leave a chart event without effect is.
 */
export function checkHistories(
  items: readonly ImportItem[],
  existing: { meds: readonly MedEventRecord[]; dx: readonly DxEventRecord[] },
  issues: ImportIssue[],
): void {
  const lineOf = new Map(items.map((i) => [i.record.id, i.line]));
  const check = <E extends { id: string; date: string; created: string }>(
    what: string,
    fresh: readonly E[],
    old: readonly E[],
    key: (e: E) => string,
    problems: (events: readonly E[]) => Map<string, { code: string }>,
  ) => {
    const oldBy = groupBy(old, key);
    for (const [k, list] of groupBy(fresh, key)) {
      const prior = oldBy.get(k) ?? [];
      const before = problems(prior);
      const after = problems([...prior, ...list]);
      const firstNew = [...list].sort(byEventOrder)[0] as E;
      for (const [id, p] of after) {
        if (before.has(id)) continue;
        const line = lineOf.get(id);
        if (line !== undefined) issues.push({ line, message: `${what}: ${HISTORY_TEXT[p.code] ?? "the event does not apply"}` });
        else issues.push({ line: lineOf.get(firstNew.id) ?? 0, message: `${what}: this event would leave an event already in the chart without effect` });
      }
    }
  };
  // Events the file voids are history, not state: the rules run over the live events.
  const all = items.map((i) => i.record);
  const gone = voidedIds(all, all.filter((r): r is VoidRecord & AnyRecord => r.kind === "void"));
  const meds = all.filter((r): r is MedEventRecord & AnyRecord => r.kind === "med" && !gone.has(r.id));
  const dx = all.filter((r): r is DxEventRecord & AnyRecord => r.kind === "dx" && !gone.has(r.id));
  check<MedEventRecord>("med", meds, existing.meds, (e) => e.med, medHistoryProblems);
  check<DxEventRecord>("dx", dx, existing.dx, (e) => `${e.client} ${e.code}`, dxHistoryProblems);
}

export function countItems(items: readonly ImportItem[]): ImportCounts {
  const c: ImportCounts = { clients: 0, notes: 0, meds: 0, dx: 0 };
  for (const { record } of items) {
    if (record.kind === "client") c.clients += 1;
    else if (record.kind === "note") c.notes += 1;
    else if (record.kind === "med") c.meds += 1;
    else if (record.kind === "dx") c.dx += 1;
    else if (record.kind === "consent") c.consents = (c.consents ?? 0) + 1;
    else if (record.kind === "disclosure") c.disclosures = (c.disclosures ?? 0) + 1;
    else if (record.kind === "void") c.voids = (c.voids ?? 0) + 1;
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- counts only these two kinds, whatever else a record may carry
    else if (record.kind === "access" || record.kind === "amendment") c.requests = (c.requests ?? 0) + 1;
  }
  return c;
}

export type { ClientRecord };
