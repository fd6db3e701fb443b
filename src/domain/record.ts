/**
 * The record envelope shared by every kind (docs/decisions.md, "Records"). A record is the YAML map
 * inside one `.age` file; records with free text also carry a Markdown `body`.
 */
import type { AccessRecord } from "./access.js";
import type { AnyDisclosure } from "./accounting.js";
import type { AmendmentRecord } from "./amendment.js";
import type { ClientRecord } from "./client.js";
import type { ConsentRecord } from "./consent.js";
import type { DxEventRecord } from "./dx.js";
import { invalid } from "./errors.js";
import { isIdOf, type IdKind } from "./ids.js";
import type { MedEventRecord } from "./med.js";
import type { NoteRecord } from "./note.js";
import type { VoidRecord } from "./void.js";

export const RECORD_KINDS = ["client", "note", "med", "dx", "consent", "disclosure", "void", "access", "amendment"] as const;
export type RecordKind = (typeof RECORD_KINDS)[number];

/** Where each kind lives under clients/<cid>/. */
export const KIND_DIR: Record<RecordKind, string | null> = {
  client: null, // clients/<cid>/profile.age
  note: "notes",
  med: "meds",
  dx: "dx",
  consent: "consents",
  disclosure: "disclosures",
  void: "voids",
  access: "access",
  amendment: "amendments",
};

export const KIND_ID: Record<RecordKind, IdKind> = {
  client: "client",
  note: "note",
  med: "med",
  dx: "dx",
  consent: "consent",
  disclosure: "disclosure",
  void: "void",
  access: "access",
  amendment: "amendment",
};

export interface BaseRecord {
  chart: 1;
  kind: RecordKind;
  id: string;
  client: string;
  created: string; // ISO instant, when recorded
  updated?: string;
  body?: string;
  /** Values another device wrote, kept when a sync merged two edits (src/domain/merge.ts). */
  alternatives?: unknown;
}

/**
 * A record whose envelope and MAC were checked but not yet its shape (what `parseEnvelope`
 * returns, and what merge and re-encryption pass through unchanged). Reads for use go through
 * `checkShape` (record-shape.ts) and give a `ChartRecord`.
 */
export type AnyRecord = BaseRecord & Record<string, unknown>;

/** Every record kind's type, by kind: the union chart reads and writes. */
export interface RecordTypes {
  client: ClientRecord;
  note: NoteRecord;
  med: MedEventRecord;
  dx: DxEventRecord;
  consent: ConsentRecord;
  disclosure: AnyDisclosure;
  void: VoidRecord;
  access: AccessRecord;
  amendment: AmendmentRecord;
}

/** The record of one kind, e.g. `RecordOf<"note">` is `NoteRecord`. */
export type RecordOf<K extends RecordKind> = RecordTypes[K];

/** Any record, discriminated on `kind` (and within a kind on `event` or `basis`). */
export type ChartRecord = RecordTypes[RecordKind];

/** A filter for records of one kind: `records.filter(ofKind("note"))` is a `NoteRecord[]`. */
export const ofKind =
  <K extends RecordKind>(kind: K) =>
  (r: ChartRecord): r is RecordOf<K> =>
    r.kind === kind;

export function recordPath(kind: RecordKind, client: string, id: string): string {
  if (kind === "client") return `clients/${client}/profile.age`;
  return `clients/${client}/${KIND_DIR[kind]}/${id}.age`;
}

/** The kind whose records live in each folder (the first, as KIND_DIR lists them). Paths are parsed by the thousand (an access-log entry). */
const KIND_OF_DIR = new Map<string, RecordKind>();
for (const k of Object.keys(KIND_DIR) as RecordKind[]) {
  const dir = KIND_DIR[k];
  if (dir !== null && !KIND_OF_DIR.has(dir)) KIND_OF_DIR.set(dir, k);
}

const PATH_RE = /^clients\/([a-z0-9_]+)\/(?:profile\.age|([a-z]+)\/([a-z0-9_]+)\.age)$/;

/** What a path claims to hold; used to check a record against where it was found. */
export function parseRecordPath(
  path: string,
): { kind: RecordKind; client: string; id: string } | null {
  const m = PATH_RE.exec(path);
  if (!m) return null;
  const client = m[1] as string;
  if (m[2] === undefined) return { kind: "client", client, id: client };
  const kind = KIND_OF_DIR.get(m[2]);
  if (!kind) return null;
  return { kind, client, id: m[3] as string };
}

/** Check the envelope fields every record must carry, and that they agree with the path. */
export function checkEnvelope(data: unknown, path: string): AnyRecord {
  const where = parseRecordPath(path);
  if (!where) throw invalid("E_BAD_PATH", `${path} is not a chart record path`);
  if (typeof data !== "object" || data === null || Array.isArray(data)) {
    throw invalid("E_MALFORMED", `${path}: record is not a YAML map`, "run chart fsck");
  }
  const r = data as Record<string, unknown>;
  if (r.chart !== 1) throw invalid("E_MALFORMED", `${path}: missing or unknown 'chart' version`);
  if (r.kind !== where.kind || r.id !== where.id || r.client !== where.client) {
    throw invalid(
      "E_MISPLACED",
      `${path}: record kind, id or client does not match its path (moved or swapped file)`,
      "restore the file from git history, or run chart fsck",
    );
  }
  if (!isIdOf(KIND_ID[where.kind], where.id) || !isIdOf("client", where.client)) {
    throw invalid("E_MALFORMED", `${path}: malformed id`);
  }
  if (typeof r.created !== "string") throw invalid("E_MALFORMED", `${path}: missing 'created'`);
  if (r.body !== undefined && typeof r.body !== "string") {
    throw invalid("E_MALFORMED", `${path}: 'body' must be text`);
  }
  return r as AnyRecord;
}

/**
 * A record as its JSON views show it (`--json`, the JSONL export, `chart import`'s input): the
 * record as stored, minus the envelope version.
 */
export function recordJson<T extends BaseRecord>(r: T): Omit<T, "chart"> {
  const { chart: _c, ...rest } = r;
  return rest;
}
