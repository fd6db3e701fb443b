/** chart consent add|list|show|revoke: authorizations to disclose (HIPAA 164.508). */
import { readFile } from "node:fs/promises";
import { extname, resolve } from "node:path";
import type { Command } from "commander";
import { sha256Hex } from "../../store/hash.js";
import { HIPAA_TOPICS, missingTopics, PART2_TOPICS, statementParagraphs, statementsFor } from "../../domain/authorization-statements.js";
import { readPractice } from "../../store/practice.js";
import type { ClientRecord } from "../../domain/client.js";
import {
  checkCategories,
  checkConsent,
  checkExpiryEvent,
  checkRevocation,
  consentStatus,
  isGrant,
  isRevocation,
  missingElements,
  revocationOf,
  SHARE_CATEGORIES,
  type ConsentDraft,
  type ConsentGrant,
  type ConsentRevocation,
  type ConsentStatus,
  type DisclosureRecord,
  type StatusContext,
} from "../../domain/consent.js";
import { isIsoDate, parseDate, stamp, type IsoDate } from "../../domain/dates.js";
import { ChartError, invalid, isChartError, usageError } from "../../domain/errors.js";
import { shortId } from "../../domain/ids.js";
import { isAuthorized } from "../../domain/accounting.js";
import { checkRecipient } from "../../store/age.js";
import { clinicianName } from "../../store/clinician.js";
import { locate } from "../../store/locate.js";
import { commitRecords, readKind, readRecord } from "../../store/records.js";
import { readLive } from "../../store/voids.js";
import type { Ctx } from "../context.js";
import { arg, collect, optFlag, optList, optString, optText } from "../options.js";
import { wire, type CommandSpec } from "../command.js";
import type { Output } from "../output.js";
import type { Opts, Registrar } from "../program.js";
import { canPrompt, prompter } from "../prompt.js";
import { recordJson } from "../../domain/record.js";

const CLIENT_ARG = "id, id prefix, or a unique part of the name";

export interface LoadedConsent {
  grant: ConsentGrant;
  revocations: ConsentRevocation[];
}

export const statusContext = (c: ClientRecord): StatusContext =>
  c.status === "discharged" && c.discharged ? { discharged: c.discharged } : {};

/**
 * A client's authorization named by id or id prefix, with the client's revocations. An id that
 * belongs to another client is refused (exit 3), not "not found": sharing it would disclose
 * under someone else's authorization. Any unreadable consent file refuses too: a revocation
 * that cannot be read must not let a revoked authorization through.
 */
export async function loadConsent(ctx: Ctx, client: ClientRecord, query: string): Promise<LoadedConsent> {
  const chart = await ctx.chart();
  let id: string;
  try {
    id = (await locate(chart, "consent", query, client.id)).id;
  } catch (e) {
    if (isChartError(e) && e.code === "E_CONSENT_NOT_FOUND") {
      const elsewhere = await locate(chart, "consent", query).catch(() => undefined);
      if (elsewhere && elsewhere.client !== client.id) {
        throw invalid("E_CONSENT_OTHER_CLIENT", `authorization ${shortId(elsewhere.id)} belongs to another client; nothing was shared`, `see chart consent list ${shortId(client.id)}`);
      }
    }
    throw e;
  }
  const { records, failures, voided } = await readLive(chart, "consent", client.id);
  if (failures.length) {
    throw new ChartError(
      "invalid",
      "E_CONSENT_UNREADABLE",
      `${failures.length} authorization record(s) of this client cannot be read (${failures.map((f) => f.path).join(", ")}); nothing was shared`,
      "restore them from git history or run chart fsck",
    );
  }
  const wasVoided = voided.find((v) => v.record.id === id);
  if (wasVoided) throw invalid("E_CONSENT_VOIDED", `authorization ${shortId(id)} was voided (${wasVoided.mark.reason}); nothing was shared`, "record the authorization the client actually signed (chart consent add)");
  const found = records.find((r) => r.id === id);
  if (!found) throw invalid("E_CONSENT_UNREADABLE", `authorization ${shortId(id)} cannot be read`, "run chart fsck");
  if (!isGrant(found)) {
    throw invalid("E_CONSENT_NOT_GRANT", `${shortId(id)} is a revocation, not an authorization`, `name the authorization it revokes: ${shortId(found.revokes)}`);
  }
  return { grant: found, revocations: records.filter(isRevocation) };
}

/** The signed form's SHA-256 and size; only the extension of its name is kept (names can identify). */
async function hashForm(ctx: Ctx, file: string): Promise<NonNullable<ConsentGrant["form"]>> {
  const path = resolve(ctx.deps.cwd, file);
  const data = await readFile(path).catch(() => {
    throw usageError("E_CONSENT_FORM_FILE", `--form: cannot read ${file}`, "name the signed form's file (a scan or PDF)");
  });
  if (data.length === 0) throw invalid("E_CONSENT_FORM", `--form: ${file} is empty`);
  const ext = extname(file).slice(1).toLowerCase();
  return { sha256: sha256Hex(data), bytes: data.length, ...(/^[a-z0-9]{1,5}$/.test(ext) ? { type: ext } : {}) };
}

/** The form's wording of the statements: paragraphs separated by blank lines. */
async function readStatements(ctx: Ctx, file: string): Promise<string[]> {
  const raw = await readFile(resolve(ctx.deps.cwd, file), "utf8").catch(() => {
    throw usageError("E_CONSENT_STATEMENTS_FILE", `--statements: cannot read ${file}`);
  });
  return statementParagraphs(raw, `--statements: ${file}`);
}

const scopeText = (g: ConsentGrant): string => (g.from || g.until ? `${g.from ?? "…"} to ${g.until ?? "…"}` : "all dates");
const expiryText = (g: ConsentGrant): string => [g.expires, g.expiresOn].filter(Boolean).join(" or ") || "";
const recipientText = (g: ConsentGrant): string => [g.recipient.name, g.recipient.organization].filter(Boolean).join(", ");

function statusJson(g: ConsentGrant, revocations: readonly ConsentRevocation[], today: IsoDate, ctx: StatusContext) {
  const r = revocationOf(g, revocations, today) ?? revocations.find((x) => x.revokes === g.id);
  const out: Record<string, unknown> = { ...recordJson(g), status: consentStatus(g, revocations, today, ctx) };
  if (r) out.revoked = { id: r.id, date: r.date, ...(r.reason ? { reason: r.reason } : {}) };
  return out;
}

const statusColor = (out: Output, s: ConsentStatus): string =>
  s === "active" ? out.color.green(s) : s === "not-yet-signed" ? out.color.yellow("not yet signed") : out.color.dim(s);

/** On a terminal, ask for the elements the flags did not give; elsewhere checkConsent names them. */
async function promptMissing(ctx: Ctx, d: ConsentDraft, today: IsoDate): Promise<void> {
  const missing = missingElements(d).map((m) => m.element);
  if (missing.length === 0 || !canPrompt(ctx.deps)) return;
  const p = await prompter(ctx.deps);
  const ask = (message: string, validate?: (v: string) => true | string) =>
    p.input({ message, validate: validate ?? ((v) => (v.trim() !== "" ? true : "required")) }).then((v) => v.trim());
  if (missing.includes("recipient")) d.recipient = { ...d.recipient, name: await ask("Who receives the information (name)?") };
  if (missing.includes("purpose")) d.purposes = [await ask("Purpose of the disclosure?")];
  if (missing.includes("information to share")) {
    d.categories = checkCategories(
      await ask(`What to share (${SHARE_CATEGORIES.join(", ")}; comma separated)?`, (v) => {
        try {
          checkCategories(v);
          return v.trim() ? true : "required";
        } catch (e) {
          return (e as Error).message;
        }
      }),
    );
  }
  if (missing.includes("expiry date or event")) {
    const v = await ask("Expires on (YYYY-MM-DD, or discharge, or end-of-treatment)?", (x) => {
      if (isIsoDate(x.trim())) return true;
      try {
        checkExpiryEvent(x);
        return true;
      } catch (e) {
        return (e as Error).message;
      }
    });
    if (isIsoDate(v)) d.expires = v;
    else d.expiresOn = checkExpiryEvent(v);
  }
  if (missing.includes("signature date")) {
    d.signed = parseDate(await ask("Date signed (YYYY-MM-DD or today)?", (v) => (isIsoDate(v.trim()) || ["today", "yesterday"].includes(v.trim().toLowerCase()) ? true : "YYYY-MM-DD")), "signed", today, { allowFuture: true });
  }
}

// ---- consent add ----------------------------------------------------------------------------

/** What `consent add` was given; dates stay as typed until the chart's "today" is known. */
export interface ConsentAddInput {
  client: string;
  purposes: string[];
  categories: ConsentGrant["categories"];
  to?: string | undefined;
  org?: string | undefined;
  contact?: string | undefined;
  recipientKey?: string | undefined;
  dates: { from?: string | undefined; until?: string | undefined; expires?: string | undefined; signed?: string | undefined };
  expiresOn?: ConsentGrant["expiresOn"];
  authority?: string | undefined;
  signedBy?: string | undefined;
  nameless: boolean;
  form?: string | undefined;
  statements?: string | undefined;
}

export function parseConsentAdd(args: readonly string[], opts: Opts): ConsentAddInput {
  const expiresOnRaw = optText(opts, "expiresOn", "--expires-on");
  return {
    client: arg(args, 0, "CLIENT"),
    purposes: optList(opts, "purpose").map((s) => s.trim()).filter((s) => s !== ""),
    categories: checkCategories(optList(opts, "share")),
    to: optText(opts, "to", "--to"),
    org: optText(opts, "org", "--org"),
    contact: optText(opts, "contact", "--contact"),
    recipientKey: optText(opts, "recipientKey", "--recipient-key"),
    dates: {
      from: optText(opts, "from", "--from"),
      until: optText(opts, "until", "--until"),
      expires: optText(opts, "expires", "--expires"),
      signed: optText(opts, "signed", "--signed"),
    },
    ...(expiresOnRaw === undefined ? {} : { expiresOn: checkExpiryEvent(expiresOnRaw) }),
    authority: optText(opts, "authority", "--authority"),
    signedBy: optText(opts, "signedBy", "--signed-by"),
    nameless: optFlag(opts, "nameless"),
    form: optString(opts, "form"),
    statements: optString(opts, "statements"),
  };
}

export interface ConsentAddResult {
  id: string;
  status: ConsentStatus;
}

export async function runConsentAdd(ctx: Ctx, input: ConsentAddInput): Promise<ConsentAddResult> {
  await ctx.chart(); // first: "today" is the practice's, whose time zone is read with the chart
  const today = ctx.today();
  const date = (v: string | undefined, what: string) => (v === undefined ? undefined : parseDate(v, what, today, { allowFuture: true }));
  const d: ConsentDraft = { recipient: {}, purposes: input.purposes, categories: input.categories };
  if (input.to) d.recipient = { name: input.to };
  const from = date(input.dates.from, "from");
  const until = date(input.dates.until, "until");
  const expires = date(input.dates.expires, "expires");
  const signed = date(input.dates.signed, "signed");
  if (from) d.from = from;
  if (until) d.until = until;
  if (expires) d.expires = expires;
  if (input.expiresOn) d.expiresOn = input.expiresOn;
  if (signed) d.signed = signed;
  if (input.authority) d.authority = input.authority;
  if (input.nameless) d.nameless = true;
  const form = input.form !== undefined ? await hashForm(ctx, input.form) : undefined;
  const statements = input.statements !== undefined ? await readStatements(ctx, input.statements) : undefined;
  const recipientKey = input.recipientKey ? await checkRecipient(input.recipientKey) : undefined;
  const client = await ctx.client(input.client);
  d.signedBy = input.signedBy ?? client.name;
  await promptMissing(ctx, d, today);
  checkConsent(d, [client.name, client.preferredName ?? ""].filter(Boolean), client.dob ? { dob: client.dob } : {});
  const chart = await ctx.chart();
  const g: ConsentGrant = {
    chart: 1,
    kind: "consent",
    event: "grant",
    id: ctx.newId("consent"),
    client: client.id,
    created: stamp(ctx.deps.now()),
    // checkConsent refused a draft missing any of these
    recipient: { name: (d.recipient?.name ?? "").trim() },
    discloser: await clinicianName(ctx.deps.env, chart.root),
    purposes: d.purposes ?? [],
    categories: d.categories ?? [],
    signed: d.signed as IsoDate,
    signedBy: d.signedBy.trim(),
  };
  if (input.org) g.recipient.organization = input.org;
  if (input.contact) g.recipient.contact = input.contact;
  if (recipientKey) g.recipient.ageRecipient = recipientKey;
  for (const k of ["from", "until", "expires", "expiresOn", "authority"] as const) if (d[k] !== undefined) g[k] = d[k];
  const st = statementsFor(g.categories, await readPractice(chart), statements);
  g.statements = st.statements;
  g.statementsFrom = st.source;
  const topics = [...HIPAA_TOPICS, ...(g.categories.includes("substance-use") ? PART2_TOPICS : [])];
  for (const t of missingTopics(g.statements, topics)) ctx.out.warn(`the authorization's statements do not seem to say ${t.says} (${t.rule})`);
  if (form) g.form = form;
  if (d.nameless) g.nameless = true;
  const status = consentStatus(g, [], today, statusContext(client));
  if (status === "expired") ctx.out.warn(`authorization ${shortId(g.id)} has already expired; it is recorded but cannot be used to share`);
  if (status === "not-yet-signed") ctx.out.warn(`authorization ${shortId(g.id)} takes effect when signed, on ${g.signed}`);
  await commitRecords(chart, [g], "chart: add consent");
  return { id: g.id, status };
}

export const consentAdd: CommandSpec<ConsentAddInput, ConsentAddResult> = {
  parse: parseConsentAdd,
  run: runConsentAdd,
  text: (out, r) => out.line(r.id),
};

// ---- consent list ---------------------------------------------------------------------------

export interface ConsentListInput {
  client: string;
  active: boolean;
  /** Discharged clients in name matching (ctx.client reads --all). */
  all: boolean;
}

export const parseConsentList = (args: readonly string[], opts: Opts): ConsentListInput => ({
  client: arg(args, 0, "CLIENT"),
  active: optFlag(opts, "active"),
  all: optFlag(opts, "all"),
});

export interface ConsentListResult {
  client: ClientRecord;
  /** Whether the client has any consent record at all (for the empty message). */
  any: boolean;
  today: IsoDate;
  grants: ConsentGrant[];
  revocations: ConsentRevocation[];
}

export async function runConsentList(ctx: Ctx, input: ConsentListInput): Promise<ConsentListResult> {
  const client = await ctx.client(input.client, { all: input.all });
  const { records, failures } = await readLive(await ctx.chart(), "consent", client.id);
  ctx.incomplete(failures);
  const today = ctx.today();
  const revocations = records.filter(isRevocation);
  const sctx = statusContext(client);
  const grants = records
    .filter(isGrant)
    .sort((a, b) => (a.signed !== b.signed ? (a.signed < b.signed ? 1 : -1) : a.created < b.created ? 1 : -1))
    .filter((g) => !input.active || consentStatus(g, revocations, today, sctx) === "active");
  return { client, any: records.length > 0, today, grants, revocations };
}

export function printConsentList(out: Output, r: ConsentListResult): void {
  const sctx = statusContext(r.client);
  if (r.grants.length === 0) {
    out.info(r.any ? "no active authorizations" : `no authorizations yet: chart consent add ${shortId(r.client.id)} --to NAME ...`);
    return;
  }
  out.table(
    r.grants.map((g) => [shortId(g.id), statusColor(out, consentStatus(g, r.revocations, r.today, sctx)), recipientText(g), g.categories.join(","), scopeText(g), g.signed, expiryText(g)]),
    ["ID", "STATUS", "TO", "SHARE", "INFORMATION", "SIGNED", "EXPIRES"],
  );
}

export const consentList: CommandSpec<ConsentListInput, ConsentListResult> = {
  parse: parseConsentList,
  run: runConsentList,
  text: printConsentList,
  json: (r) => r.grants.map((g) => statusJson(g, r.revocations, r.today, statusContext(r.client))),
};

// ---- consent show ---------------------------------------------------------------------------

/** CONSENT, or CLIENT CONSENT. */
export interface ConsentShowInput {
  client?: string | undefined;
  consent: string;
}

export function parseConsentShow(args: readonly string[]): ConsentShowInput {
  if (args.length > 2) throw usageError("E_USAGE", "consent show takes CONSENT or CLIENT CONSENT", "e.g. chart consent show cs_ab3");
  const b = args[1];
  return b === undefined ? { consent: arg(args, 0, "CONSENT") } : { client: arg(args, 0, "CLIENT"), consent: b };
}

export type ConsentShowResult =
  | { revocation: ConsentRevocation }
  | { grant: ConsentGrant; client: ClientRecord; revocations: ConsentRevocation[]; disclosures: DisclosureRecord[]; today: IsoDate };

export async function runConsentShow(ctx: Ctx, input: ConsentShowInput): Promise<ConsentShowResult> {
  const chart = await ctx.chart();
  const narrow = input.client !== undefined ? (await ctx.client(input.client)).id : undefined;
  const where = await locate(chart, "consent", input.consent, narrow);
  const client = await readRecord(chart, "client", where.client, where.client);
  // One kind after the other: each read is bounded (docs/decisions.md, "Bounded file work").
  const consents = await readKind(chart, "consent", where.client);
  const disclosures = await readKind(chart, "disclosure", where.client);
  ctx.incomplete([...consents.failures, ...disclosures.failures]);
  const rec = consents.records.find((r) => r.id === where.id);
  if (!rec) throw invalid("E_CONSENT_UNREADABLE", `authorization ${shortId(where.id)} cannot be read`, "run chart fsck");
  if (isRevocation(rec)) return { revocation: rec };
  return {
    grant: rec,
    client,
    revocations: consents.records.filter(isRevocation),
    disclosures: disclosures.records.filter(isAuthorized).filter((d) => d.consent === rec.id).sort((x, y) => (x.at < y.at ? -1 : 1)),
    today: ctx.today(),
  };
}

export function printConsentShow(out: Output, r: ConsentShowResult): void {
  if ("revocation" in r) {
    const rec = r.revocation;
    out.line(`revocation ${rec.id}`);
    out.line(`revokes:  ${rec.revokes}`);
    out.line(`date:     ${rec.date}`);
    if (rec.reason) out.line(`reason:   ${rec.reason}`);
    return;
  }
  const { grant: rec, revocations, disclosures: under } = r;
  const status = consentStatus(rec, revocations, r.today, statusContext(r.client));
  const rv = revocations.find((x) => x.revokes === rec.id);
  const rows: [string, string | undefined][] = [
    ["id", rec.id],
    ["status", statusColor(out, status) + (rv ? ` (revoked ${rv.date}${rv.reason ? `: ${rv.reason}` : ""})` : "")],
    ["to", recipientText(rec)],
    ["contact", rec.recipient.contact],
    ["recipient key", rec.recipient.ageRecipient],
    ["discloser", rec.discloser],
    ["purpose", rec.purposes.join("; ")],
    ["share", rec.categories.join(", ")],
    ["information", scopeText(rec)],
    ["expires", expiryText(rec)],
    ["signed", `${rec.signed} by ${rec.signedBy}${rec.authority ? ` (${rec.authority})` : ""}`],
    ["statements", rec.statements?.length ? `${rec.statements.length}, ${rec.statementsFrom === "practice" ? "the practice's wording" : rec.statementsFrom === "form" ? "the signed form's wording" : rec.statementsFrom === "chart" ? "chart's wording" : "as recorded"} (--json shows them)` : undefined],
    ["disclosures", under.length ? `${under.length}, latest ${under.at(-1)?.date}` : "none"],
  ];
  out.table(rows.filter((x): x is [string, string] => x[1] !== undefined && x[1] !== "").map(([k, v]) => [out.color.dim(k), v]));
}

export const consentShow: CommandSpec<ConsentShowInput, ConsentShowResult> = {
  parse: parseConsentShow,
  run: runConsentShow,
  text: printConsentShow,
  json: (r) =>
    "revocation" in r
      ? recordJson(r.revocation)
      : { ...statusJson(r.grant, r.revocations, r.today, statusContext(r.client)), disclosures: r.disclosures.map((d) => ({ id: d.id, date: d.date, bundleHash: d.bundleHash })) },
};

// ---- consent revoke -------------------------------------------------------------------------

export interface ConsentRevokeInput {
  client: string;
  consent: string;
  date?: string | undefined;
  reason?: string | undefined;
}

export const parseConsentRevoke = (args: readonly string[], opts: Opts): ConsentRevokeInput => ({
  client: arg(args, 0, "CLIENT"),
  consent: arg(args, 1, "CONSENT"),
  date: optString(opts, "date"),
  reason: optText(opts, "reason", "--reason"),
});

export interface ConsentRevokeResult {
  id: string;
  revokes: string;
  date: IsoDate;
}

export async function runConsentRevoke(ctx: Ctx, input: ConsentRevokeInput): Promise<ConsentRevokeResult> {
  const client = await ctx.client(input.client);
  const { grant, revocations } = await loadConsent(ctx, client, input.consent);
  const today = ctx.today();
  const date = ctx.date(input.date, "date");
  checkRevocation(grant, revocations, date, today);
  const r: ConsentRevocation = {
    chart: 1,
    kind: "consent",
    event: "revoke",
    id: ctx.newId("consent"),
    client: client.id,
    created: stamp(ctx.deps.now()),
    revokes: grant.id,
    date,
  };
  if (input.reason) r.reason = input.reason;
  await commitRecords(await ctx.chart(), [r], "chart: revoke consent");
  return { id: r.id, revokes: grant.id, date };
}

export const consentRevoke: CommandSpec<ConsentRevokeInput, ConsentRevokeResult> = {
  parse: parseConsentRevoke,
  run: runConsentRevoke,
  text: (out, r) => out.line(r.id),
};

export function registerConsent(program: Command, reg: Registrar): void {
  const consent = program.command("consent").description("authorizations to disclose (HIPAA 164.508): add, list, show, revoke");

  consent
    .command("add")
    .description("record a client's signed authorization to share part of their record")
    .argument("<client>", CLIENT_ARG)
    .option("--to <name>", "who receives the information")
    .option("--org <organization>", "the recipient's organization")
    .option("--contact <contact>", "the recipient's address, phone or email")
    .option("--purpose <text>", "why it is disclosed (repeatable)", collect)
    .option("--share <categories>", `what may be shared, comma separated (repeatable): ${SHARE_CATEGORIES.join(", ")}`, collect)
    .option("--from <date>", "share information dated from this day")
    .option("--until <date>", "share information dated up to this day")
    .option("--expires <date>", "the authorization's expiry date (valid through that day)")
    .option("--expires-on <event>", "an expiry event chart can observe: discharge or end-of-treatment (both expire at discharge)")
    .option("--signed <date>", "the date it was signed")
    .option("--signed-by <name>", "who signed it (default: the client)")
    .option("--authority <text>", "a personal representative's authority, e.g. \"parent of a minor\"")
    .option("--recipient-key <age1...>", "the recipient's age recipient: bundles for them are encrypted to it")
    .option("--form <file>", "the signed form (scan or PDF): its SHA-256 is recorded (the file stays where it is)")
    .option("--statements <file>", "the signed form's own wording of the required statements (one per paragraph); default: the practice's text (chart practice set --statements, --part2-statements), else chart's wording of 45 CFR 164.508(c)(2) and, for substance use, 42 CFR 2.31")
    .option("--nameless", "share substance-use information without identifying information (the recipient identifies the client otherwise)")
    .action(wire(reg, consentAdd));

  consent
    .command("list")
    .description("a client's authorizations with their status today (active, expired, revoked, not yet signed)")
    .argument("<client>", CLIENT_ARG)
    .option("--active", "only those that are active today")
    .option("--all", "a discharged client named by name too (its authorizations are listed whatever --all)")
    .action(wire(reg, consentList));

  consent
    .command("show")
    .description("show an authorization, its status and the disclosures made under it")
    .argument("<consent...>", "CONSENT, or CLIENT CONSENT (id or id prefix)")
    .action(wire(reg, consentShow));

  consent
    .command("revoke")
    .description("record the client's revocation of an authorization (its own event; the authorization stays on record)")
    .argument("<client>", CLIENT_ARG)
    .argument("<consent>", "the authorization's id or id prefix")
    .option("-d, --date <date>", "when the client revoked it (default today)")
    .option("--reason <text>", "why, if the client said")
    .action(wire(reg, consentRevoke));
}
