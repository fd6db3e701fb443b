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
import { collect } from "../options.js";
import type { Opts, Registrar } from "../program.js";
import { canPrompt, prompter } from "../prompt.js";
import { recordJson } from "../views.js";
import { textOf } from "../../domain/text-of.js";

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

const statusColor = (ctx: Ctx, s: ConsentStatus): string =>
  s === "active" ? ctx.out.color.green(s) : s === "not-yet-signed" ? ctx.out.color.yellow("not yet signed") : ctx.out.color.dim(s);

function optText(opts: Opts, key: string, flag: string): string | undefined {
  const v = opts[key];
  if (v === undefined) return undefined;
  const s = textOf(v).trim();
  if (s === "") throw invalid("E_EMPTY_VALUE", `${flag} is empty`, `give a value for ${flag}`);
  return s;
}

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
    .action(
      reg.action(async (ctx, [q], opts) => {
        const today = ctx.today();
        const date = (key: string, what: string) => {
          const v = optText(opts, key, `--${what}`);
          return v === undefined ? undefined : parseDate(v, what, today, { allowFuture: true });
        };
        const d: ConsentDraft = {
          recipient: {},
          purposes: ((opts.purpose as string[] | undefined) ?? []).map((s) => s.trim()).filter((s) => s !== ""),
          categories: checkCategories(opts.share as string[] | undefined),
        };
        const to = optText(opts, "to", "--to");
        if (to) d.recipient = { name: to };
        const org = optText(opts, "org", "--org");
        const contact = optText(opts, "contact", "--contact");
        const key = optText(opts, "recipientKey", "--recipient-key");
        const from = date("from", "from");
        const until = date("until", "until");
        const expires = date("expires", "expires");
        const expiresOnRaw = optText(opts, "expiresOn", "--expires-on");
        const expiresOn = expiresOnRaw === undefined ? undefined : checkExpiryEvent(expiresOnRaw);
        const signed = date("signed", "signed");
        const authority = optText(opts, "authority", "--authority");
        if (from) d.from = from;
        if (until) d.until = until;
        if (expires) d.expires = expires;
        if (expiresOn) d.expiresOn = expiresOn;
        if (signed) d.signed = signed;
        if (authority) d.authority = authority;
        if (opts.nameless) d.nameless = true;
        const form = opts.form !== undefined ? await hashForm(ctx, textOf(opts.form)) : undefined;
        const statements = opts.statements !== undefined ? await readStatements(ctx, textOf(opts.statements)) : undefined;
        const recipientKey = key ? await checkRecipient(key) : undefined;
        const client = await ctx.client(q as string);
        d.signedBy = optText(opts, "signedBy", "--signed-by") ?? client.name;
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
          recipient: { name: (d.recipient?.name as string).trim() },
          discloser: await clinicianName(ctx.deps.env, chart.root),
          purposes: d.purposes as string[],
          categories: d.categories as ConsentGrant["categories"],
          signed: d.signed as IsoDate,
          signedBy: d.signedBy.trim(),
        };
        if (org) g.recipient.organization = org;
        if (contact) g.recipient.contact = contact;
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
        if (ctx.out.json) ctx.out.data({ id: g.id, status });
        else ctx.out.line(g.id);
      }),
    );

  consent
    .command("list")
    .description("a client's authorizations with their status today (active, expired, revoked, not yet signed)")
    .argument("<client>", CLIENT_ARG)
    .option("--active", "only those that are active today")
    .action(
      reg.action(async (ctx, [q], opts) => {
        const client = await ctx.client(q as string);
        const { records, failures } = await readLive(await ctx.chart(), "consent", client.id);
        ctx.incomplete(failures);
        const today = ctx.today();
        const revocations = records.filter(isRevocation);
        const sctx = statusContext(client);
        const grants = records
          .filter(isGrant)
          .sort((a, b) => (a.signed !== b.signed ? (a.signed < b.signed ? 1 : -1) : a.created < b.created ? 1 : -1))
          .filter((g) => !opts.active || consentStatus(g, revocations, today, sctx) === "active");
        if (ctx.out.json) { ctx.out.data(grants.map((g) => statusJson(g, revocations, today, sctx))); return; }
        if (grants.length === 0) { ctx.out.info(records.length ? "no active authorizations" : `no authorizations yet: chart consent add ${shortId(client.id)} --to NAME ...`); return; }
        ctx.out.table(
          grants.map((g) => [shortId(g.id), statusColor(ctx, consentStatus(g, revocations, today, sctx)), recipientText(g), g.categories.join(","), scopeText(g), g.signed, expiryText(g)]),
          ["ID", "STATUS", "TO", "SHARE", "INFORMATION", "SIGNED", "EXPIRES"],
        );
      }),
    );

  consent
    .command("show")
    .description("show an authorization, its status and the disclosures made under it")
    .argument("<consent...>", "CONSENT, or CLIENT CONSENT (id or id prefix)")
    .action(
      reg.action(async (ctx, refs) => {
        const chart = await ctx.chart();
        const [a, b] = refs;
        const narrow = b !== undefined ? (await ctx.client(a as string)).id : undefined;
        const where = await locate(chart, "consent", (b ?? a) as string, narrow);
        const client = await readRecord(chart, "client", where.client, where.client);
        // One kind after the other: each read is bounded (docs/decisions.md, "Bounded file work").
        const consents = await readKind(chart, "consent", where.client);
        const disclosures = await readKind(chart, "disclosure", where.client);
        ctx.incomplete([...consents.failures, ...disclosures.failures]);
        const rec = consents.records.find((r) => r.id === where.id);
        if (!rec) throw invalid("E_CONSENT_UNREADABLE", `authorization ${shortId(where.id)} cannot be read`, "run chart fsck");
        if (isRevocation(rec)) {
          if (ctx.out.json) { ctx.out.data(recordJson(rec)); return; }
          ctx.out.line(`revocation ${rec.id}`);
          ctx.out.line(`revokes:  ${rec.revokes}`);
          ctx.out.line(`date:     ${rec.date}`);
          if (rec.reason) ctx.out.line(`reason:   ${rec.reason}`);
          return;
        }
        const today = ctx.today();
        const revocations = consents.records.filter(isRevocation);
        const sctx = statusContext(client);
        const under = disclosures.records.filter(isAuthorized).filter((d) => d.consent === rec.id).sort((x, y) => (x.at < y.at ? -1 : 1));
        if (ctx.out.json) { ctx.out.data({ ...statusJson(rec, revocations, today, sctx), disclosures: under.map((d) => ({ id: d.id, date: d.date, bundleHash: d.bundleHash })) }); return; }
        const status = consentStatus(rec, revocations, today, sctx);
        const r = revocations.find((x) => x.revokes === rec.id);
        const rows: [string, string | undefined][] = [
          ["id", rec.id],
          ["status", statusColor(ctx, status) + (r ? ` (revoked ${r.date}${r.reason ? `: ${r.reason}` : ""})` : "")],
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
        ctx.out.table(rows.filter((x): x is [string, string] => x[1] !== undefined && x[1] !== "").map(([k, v]) => [ctx.out.color.dim(k), v]));
      }),
    );

  consent
    .command("revoke")
    .description("record the client's revocation of an authorization (its own event; the authorization stays on record)")
    .argument("<client>", CLIENT_ARG)
    .argument("<consent>", "the authorization's id or id prefix")
    .option("-d, --date <date>", "when the client revoked it (default today)")
    .option("--reason <text>", "why, if the client said")
    .action(
      reg.action(async (ctx, [q, id], opts) => {
        const client = await ctx.client(q as string);
        const { grant, revocations } = await loadConsent(ctx, client, id as string);
        const today = ctx.today();
        const date = ctx.date(opts.date, "date");
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
        const reason = optText(opts, "reason", "--reason");
        if (reason) r.reason = reason;
        await commitRecords(await ctx.chart(), [r], "chart: revoke consent");
        if (ctx.out.json) ctx.out.data({ id: r.id, revokes: grant.id, date });
        else ctx.out.line(r.id);
      }),
    );
}
