/** Clients: profile fields, status, retention, and naming a client from user input. */
import { addYears, type IsoDate } from "./dates.js";
import { invalid, notFound, ChartError } from "./errors.js";
import { idMatches, shortId } from "./ids.js";
import { closeMatches, foldName } from "./similar.js";
import type { BaseRecord } from "./record.js";

export interface ClientRecord extends BaseRecord {
  kind: "client";
  name: string;
  preferredName?: string;
  pronouns?: string;
  dob?: IsoDate;
  email?: string;
  phone?: string;
  emergencyContact?: string;
  status: "active" | "discharged";
  admitted: IsoDate;
  discharged?: IsoDate;
  dischargeReason?: string;
}

export const CLIENT_EDITABLE = [
  "name",
  "preferredName",
  "pronouns",
  "dob",
  "email",
  "phone",
  "emergencyContact",
] as const;
export type ClientEditable = (typeof CLIENT_EDITABLE)[number];

const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Validate the profile fields a user typed; throws an exit-3 error naming the field. */
export function checkClientFields(c: Partial<Record<ClientEditable, string | undefined>>): void {
  if (c.name !== undefined && c.name.trim() === "") {
    throw invalid("E_CLIENT_NAME", "a client needs a name", "pass --name \"First Last\"");
  }
  if (c.email !== undefined && c.email !== "" && !EMAIL_RE.test(c.email)) {
    throw invalid("E_BAD_EMAIL", "the email address is not valid", "use name@example.org");
  }
  if (c.phone !== undefined && c.phone !== "" && !/^[+0-9 ().-]{3,}$/.test(c.phone)) {
    throw invalid("E_BAD_PHONE", "the phone number is not valid", "digits, spaces, + ( ) . - only");
  }
}

export const AGE_OF_MAJORITY = 18;

/**
 * HIPAA-adjacent retention: 7 years after last service, or 3 years after a minor reaches
 * majority, whichever is later.
 */
export function retentionDate(
  client: Pick<ClientRecord, "dob" | "admitted">,
  lastService: IsoDate | undefined,
): IsoDate {
  const last = lastService ?? client.admitted;
  const bySevenYears = addYears(last, 7);
  if (!client.dob) return bySevenYears;
  const byMajority = addYears(client.dob, AGE_OF_MAJORITY + 3);
  return byMajority > bySevenYears ? byMajority : bySevenYears;
}

export const displayName = (c: Pick<ClientRecord, "name" | "preferredName">): string =>
  c.preferredName && c.preferredName !== c.name ? `${c.name} (${c.preferredName})` : c.name;

export interface ResolveOptions {
  /** Discharged clients take part in name matching only when asked (`--all`); ids always work. */
  includeDischarged?: boolean;
}

/**
 * Resolve a client named by id, id prefix or a unique part of the name.
 * A full id, or a prefixed id prefix ("cl_ab3") that names one client, wins. An exact name or
 * preferred name (case and accents aside) beats partial matches. A bare query ("ann") may be
 * either an id prefix or a name part: it must name exactly one client in both readings
 * together, so a name that happens to start some other client's id is ambiguous rather than
 * silently the wrong client. Discharged clients are left out of name matching unless
 * `includeDischarged`. Nothing found: close names (typos) are offered, by id in the message and
 * by name only on a terminal.
 */
export function resolveClient<C extends Pick<ClientRecord, "id" | "name" | "preferredName"> & { status?: ClientRecord["status"] }>(
  clients: readonly C[],
  query: string,
  opts: ResolveOptions = {},
): C {
  const q = query.trim();
  if (q === "") throw invalid("E_CLIENT_QUERY", "no client named", "name a client by id or name");
  const exact = clients.find((c) => c.id === q);
  if (exact) return exact;
  const byId = clients.filter((c) => idMatches(c.id, q));
  if (q.includes("_") && byId.length === 1) return byId[0] as C;
  const pool = opts.includeDischarged ? clients : clients.filter((c) => c.status !== "discharged");
  const needle = foldName(q);
  const names = (c: C) => [foldName(c.name), ...(c.preferredName ? [foldName(c.preferredName)] : [])];
  const exactName = pool.filter((c) => names(c).includes(needle));
  if (byId.length === 0 && exactName.length === 1) return exactName[0] as C;
  const byName = pool.filter((c) => names(c).some((n) => n.includes(needle)));
  const candidates = [...new Set([...byId, ...byName])];
  if (candidates.length === 1) return candidates[0] as C;
  if (candidates.length === 0) {
    const hidden = opts.includeDischarged ? [] : clients.filter((c) => c.status === "discharged" && names(c).some((n) => n.includes(needle)));
    if (hidden.length > 0) {
      throw notFound("E_CLIENT_NOT_FOUND", `no active client matches "${q}"; ${hidden.length} discharged client(s) do`, "name the client by id (chart client list --all shows it), or add --all where the command has it");
    }
    const words = new Map<string, C>();
    for (const c of pool) for (const n of names(c)) for (const w of [n, ...n.split(/\s+/)]) if (!words.has(w)) words.set(w, c);
    const close = [...new Set(closeMatches(needle, [...words.keys()]).map((w) => words.get(w) as C))].slice(0, 3);
    const err = notFound(
      "E_CLIENT_NOT_FOUND",
      `no client matches "${q}"${close.length ? `; did you mean ${close.map((c) => shortId(c.id)).join(" or ")}?` : ""}`,
      "see chart client list --all",
    );
    if (close.length) err.terminalOnly = close.map((c) => `did you mean ${shortId(c.id)}  ${c.name}?`);
    throw err;
  }
  const err = new ChartError(
    "usage",
    "E_CLIENT_AMBIGUOUS",
    `"${q}" matches ${candidates.length} clients: ${candidates.map((c) => shortId(c.id)).join(", ")}`,
    "use more of the name, or the client id (cl_...)",
  );
  err.terminalOnly = candidates.map((c) => `${shortId(c.id)}  ${c.name}`);
  throw err;
}
