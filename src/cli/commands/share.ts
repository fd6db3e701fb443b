/**
 * chart share CLIENT --consent ID: build the bundle an authorization allows (docs/sharing.md)
 * and record the disclosure. Refusals and --dry-run write nothing. A share that writes output
 * publishes the whole bundle in one rename (nothing visible before it is complete), then commits
 * exactly one disclosure record ("chart: record disclosure"); a killed run is finished by the
 * next command (src/store/pending-shares.ts).
 */
import { rm } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { Command } from "commander";
import type { DisclosureRecord } from "../../domain/consent.js";
import { stamp } from "../../domain/dates.js";
import { ChartError, conflict, invalid, usageError } from "../../domain/errors.js";
import { shortId } from "../../domain/ids.js";
import { parseRecordPath } from "../../domain/record.js";
import { describeShare, explainShare, type Selection } from "../../domain/selection.js";
import { WITHHELD_NOTICE, type ShareView } from "../../domain/share-view.js";
import { bundleHash, checkFormats, checkOutDir, encryptBundle, MANIFEST_FILE, renderBundle, type Encryption, type ShareFormat } from "../../export/bundle.js";
import { destinationState, discard, planPublish, publish, stage } from "../../export/publish.js";
import { startPdfThread, type PdfThread } from "../../export/pdf-thread.js";
import { recoverPendingShares, removePending, writePending } from "../../store/pending-shares.js";
import { checkRecipient } from "../../store/age.js";
import { readPractice } from "../../store/practice.js";
import { PRACTICE_FIELDS } from "../../domain/practice.js";
import { parseLetter, readLetter, type LetterOptions } from "./share-letter.js";
import { commitRecords, readKind, type ReadFailure } from "../../store/records.js";
import { readVoids } from "../../store/voids.js";
import type { Ctx } from "../context.js";
import { arg, collect, optFlag, optList, optString } from "../options.js";
import { wire, type CommandSpec } from "../command.js";
import type { Output } from "../output.js";
import { readPassphrase } from "../passphrase.js";
import type { Opts, Registrar } from "../program.js";
import { canPrompt, confirm, required } from "../prompt.js";
import { loadConsent } from "./consent.js";


function printDryRun(out: Output, sel: Selection): void {
  const { view, withheld } = sel;
  const c = view.consent;
  out.line(`Share under authorization ${c.id} as of ${view.date}`);
  out.line(`to:       ${[c.recipient.name, c.recipient.organization].filter(Boolean).join(", ")}`);
  out.line(`purpose:  ${c.purposes.join("; ")}`);
  out.line(`includes: ${describeShare(view)}`);
  out.line("");
  const rows = includedRows(view);
  if (rows.length) out.table(rows, ["INCLUDED", "ID", "DATE", "WHAT"]);
  else out.line("nothing is included");
  if (withheld.length) {
    out.line("");
    out.table(
      withheld.map((w) => [String(w.count), w.category, w.reason]),
      ["WITHHELD", "CATEGORY", "WHY (for you only)"],
    );
  }
  out.line("");
  out.line(`the recipient sees only: ${WITHHELD_NOTICE}`);
  if (view.part2) out.line("\nThe bundle carries the 42 CFR Part 2 redisclosure notice.");
  out.info("dry run: nothing was written");
}

function includedRows(view: ShareView): string[][] {
  const rows: string[][] = [];
  if (view.patient) rows.push(["demographics", shortId(view.clientId), "", "identifiers"]);
  for (const d of view.diagnoses ?? []) rows.push(["diagnosis", shortId(d.items[0] ?? ""), d.since, `${d.code} ${d.status}`]);
  for (const m of view.medications ?? []) rows.push(["medication", shortId(m.med), m.started, `${m.name}${m.active ? "" : ` (stopped ${m.stopped ?? ""})`}`]);
  for (const [list, kind] of [[view.notes, "note"], [view.psychotherapyNotes, "psychotherapy note"]] as const) {
    for (const n of list ?? []) {
      rows.push([kind, shortId(n.id), n.date, n.type]);
      for (const a of n.addenda) rows.push(["  addendum", shortId(a.id), a.date, `to ${shortId(n.id)}`]);
    }
  }
  return rows;
}

/** Failures of records of a kind the authorization's categories can include. */
function inScopeFailures(failures: readonly ReadFailure[], categories: readonly string[]): ReadFailure[] {
  const covers = (kind: string | undefined) =>
    kind === "note" ? categories.includes("notes") || categories.includes("psychotherapy-notes")
    : kind === "med" ? categories.includes("medications")
    : kind === "dx" ? categories.includes("diagnoses")
    : true;
  return failures.filter((f) => covers(parseRecordPath(f.path)?.kind));
}

function unreadableItem(path: string): { kind: string; id: string } {
  const where = parseRecordPath(path);
  return where ? { kind: where.kind, id: where.id } : { kind: "record", id: path };
}

export interface ShareInput {
  client: string;
  consent?: string | undefined;
  out?: string | undefined;
  formats: ShareFormat[];
  encryptTo: string[];
  passphrase: boolean;
  plaintext: boolean;
  dryRun: boolean;
  /** --force or --yes: replace an output folder that holds files. */
  replace: boolean;
  letter: LetterOptions;
  allowIncomplete: boolean;
}

export function parseShare(args: readonly string[], opts: Opts): ShareInput {
  const formats = checkFormats(optList(opts, "format"));
  const encryptTo = optList(opts, "encryptTo");
  const passphrase = optFlag(opts, "passphrase");
  const plaintext = optFlag(opts, "plaintext");
  const modes = [encryptTo.length > 0, passphrase, plaintext].filter(Boolean).length;
  if (modes > 1) throw usageError("E_USAGE", "--encrypt-to, --passphrase and --plaintext exclude each other", "choose one way to protect the bundle");
  return {
    client: arg(args, 0, "CLIENT"),
    consent: optString(opts, "consent"),
    out: optString(opts, "out"),
    formats,
    encryptTo,
    passphrase,
    plaintext,
    dryRun: optFlag(opts, "dryRun"),
    replace: optFlag(opts, "force") || optFlag(opts, "yes"),
    letter: parseLetter(optString(opts, "letter"), optString(opts, "message"), optString(opts, "question")),
    allowIncomplete: optFlag(opts, "allowIncomplete"),
  };
}

export type ShareResult =
  | { dryRun: true; selection: Selection }
  | {
      dryRun: false;
      disclosure: DisclosureRecord;
      dir: string;
      paths: string[];
      encrypted: boolean;
      items: number;
      withheld: ShareView["withheld"];
    };

export async function runShare(ctx: Ctx, input: ShareInput): Promise<ShareResult> {
  const pdf: { thread?: PdfThread | undefined } = {};
  try {
    return await shareWith(ctx, input, pdf);
  } finally {
    await pdf.thread?.close(); // the PDF's thread ends before the command does, whatever the outcome
  }
}

async function shareWith(ctx: Ctx, input: ShareInput, pdf: { thread?: PdfThread | undefined }): Promise<ShareResult> {
  const { deps } = ctx;
  const formats = input.formats;
  const consentId = await required(deps, input.consent, "--consent", "Authorization id (see chart consent list CLIENT)");
  // The PDF's thread starts first, so that loading pdfkit and warming it up (~0.4 s) run on the
  // other core while this thread opens the chart, finds the client and the authorization and
  // reads the records (src/export/pdf-thread.ts). It reads nothing of the chart; a share refused
  // below stops it unused (runShare).
  if (!input.dryRun && formats.includes("pdf")) pdf.thread = startPdfThread();
  const chart = await ctx.chart();
  let outDir: string | undefined;
  if (!input.dryRun) {
    const given = await required(deps, input.out, "--out", "Directory for the bundle");
    outDir = await checkOutDir(resolve(deps.cwd, given), chart);
  }
  const recipients: Awaited<ReturnType<typeof checkRecipient>>[] = [];
  for (const r of input.encryptTo) recipients.push(await checkRecipient(r.trim()));
  const letter = await readLetter(deps.cwd, input.letter);

  const client = await ctx.client(input.client);
  const consent = await loadConsent(ctx, client, consentId);
  // One kind after the other: each read is bounded (docs/decisions.md, "Bounded file work").
  const notes = await readKind(chart, "note", client.id);
  const meds = await readKind(chart, "med", client.id);
  const dx = await readKind(chart, "dx", client.id);
  const voids = await readVoids(chart, client.id);
  // An unreadable void could let a record entered in error out: refuse, as for consents.
  if (voids.failures.length) {
    ctx.reportFailures(voids.failures);
    throw invalid("E_VOIDS_UNREADABLE", `${voids.failures.length} void record(s) of this client cannot be read; nothing was shared`, "restore them from git history or run chart fsck");
  }
  // A record that cannot be read may be one the authorization covers: the bundle would be
  // silently incomplete. Refuse, naming them, unless --allow-incomplete, which names them
  // in the manifest and the PDF instead.
  const unreadable = inScopeFailures([...notes.failures, ...meds.failures, ...dx.failures], consent.grant.categories);
  ctx.reportFailures(unreadable);
  if (unreadable.length && !input.allowIncomplete) {
    const n = unreadable.length;
    throw new ChartError(
      "invalid",
      "E_SHARE_INCOMPLETE",
      `${n} record${n === 1 ? "" : "s"} this authorization may cover could not be read or verified; nothing was shared or recorded`,
      `repair them first (${unreadable[0]?.error.hint ?? "chart fsck --decrypt"}); --allow-incomplete shares the rest and names them in the bundle`,
      { unreadable: unreadable.map((f) => ({ path: f.path, code: f.error.code })) },
    );
  }
  const today = ctx.today();
  const sel = explainShare({ profile: client, notes: notes.records, meds: meds.records, dx: dx.records, voids: voids.voids }, consent, today);
  if (unreadable.length) {
    sel.view.unreadable = unreadable.map((f) => unreadableItem(f.path)).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    ctx.out.warn(`${unreadable.length} unreadable record${unreadable.length === 1 ? " is" : "s are"} left out and named in the manifest and the PDF (--allow-incomplete)`);
  }
  // outDir is set exactly when this is not a dry run
  if (input.dryRun || outDir === undefined) return { dryRun: true, selection: sel };
  // Each share is its own document, dated with the real instant: the disclosure's id and
  // the clock name and date it (Bundle.identifier, Composition id and date, PDF CreationDate).
  const now = deps.now();
  const disclosureId = ctx.newId("disclosure");
  const practice = await readPractice(chart);
  const view: ShareView = { ...sel.view, generatedAt: stamp(now), documentId: disclosureId };
  if (PRACTICE_FIELDS.some((f) => practice[f] !== undefined)) view.practice = practice;
  if (letter) view.letter = letter;
  if (view.part2 && !view.patient) ctx.out.warn("this bundle holds substance-use (42 CFR Part 2) information but names no one: the authorization does not cover demographics");
  const dir = outDir;

  let encryption: Encryption | undefined;
  let how: DisclosureRecord["encryption"];
  if (recipients.length) {
    encryption = { recipients };
    how = "recipient";
  } else if (input.passphrase) {
    encryption = { passphrase: await readPassphrase(ctx, "CHART_SHARE_PASSPHRASE") };
    how = "passphrase";
  } else if (!input.plaintext && consent.grant.recipient.ageRecipient) {
    encryption = { recipients: [await checkRecipient(consent.grant.recipient.ageRecipient)] };
    how = "recipient";
  }
  // The destination: absent or empty, or replaced entirely when asked (src/export/publish.ts).
  const replace = input.replace;
  const state = await destinationState(dir);
  if (state.entries.length && !replace) {
    const shown = state.entries.slice(0, 5).join(", ") + (state.entries.length > 5 ? ", ..." : "");
    if (!canPrompt(deps) || !(await confirm(deps, false, `${dir} already holds ${shown}. Replace the whole folder with the new bundle?`))) {
      throw conflict("E_SHARE_EXISTS", `${dir} already holds files (${shown}); nothing was written`, "choose a new or empty --out folder, or pass --force (or --yes) to replace the folder entirely");
    }
  }
  const { files, manifest } = await renderBundle(view, formats, pdf.thread);
  const plain = [...files, manifest];
  const written = encryption ? await encryptBundle(plain, encryption) : plain;
  const disclosure: DisclosureRecord = {
    chart: 1,
    kind: "disclosure",
    id: disclosureId,
    client: client.id,
    created: stamp(now),
    date: today,
    at: stamp(now),
    consent: consent.grant.id,
    recipient: view.consent.recipient,
    purposes: view.consent.purposes,
    description: describeShare(view),
    items: view.items,
    formats: [...formats],
    bundleHash: bundleHash(manifest),
    files: plain.map((f) => ({ name: f.name, sha256: f.sha256 })),
    encrypted: !!encryption,
  };
  if (encryption) {
    disclosure.encryptedFiles = written.map((f) => ({ name: f.name, sha256: f.sha256 }));
    disclosure.encryption = how;
  }
  // Journal, stage beside the destination, publish in one rename, then record the
  // disclosure: a run killed anywhere is finished by the next command (no plaintext left,
  // and a disclosure exactly when the whole bundle was published).
  await recoverPendingShares(chart);
  const tag = `${process.pid}-${Buffer.from(deps.random(6)).toString("hex")}`;
  const plan = planPublish(dir, tag);
  await writePending(chart, { tag, pid: process.pid, ...plan, disclosure, files: written.map((f) => ({ name: f.name, sha256: f.sha256 })) });
  try {
    await stage(plan, written);
    await publish(plan, replace);
  } catch (e) {
    await discard(plan);
    await removePending(chart, tag);
    throw e;
  }
  try {
    await commitRecords(chart, [disclosure], "chart: record disclosure");
  } catch (e) {
    // No bundle without its disclosure: take it back, and say so.
    await rm(dir, { recursive: true, force: true });
    await removePending(chart, tag);
    throw e;
  }
  await removePending(chart, tag);
  const paths = written.map((f) => join(dir, f.name));
  if (!encryption) ctx.out.warn(`the bundle in ${dir} is plaintext: keep it safe, send it over a secure channel, and delete it once delivered`);
  return { dryRun: false, disclosure, dir, paths, encrypted: !!encryption, items: view.items.length, withheld: view.withheld };
}

export function printShare(out: Output, r: ShareResult): void {
  if (r.dryRun) {
    printDryRun(out, r.selection);
    return;
  }
  for (const p of r.paths) out.line(p);
  out.info(`recorded disclosure ${shortId(r.disclosure.id)}: ${r.disclosure.description}`);
  out.info(`bundle hash ${r.disclosure.bundleHash} (the SHA-256 of ${MANIFEST_FILE})`);
}

export const share: CommandSpec<ShareInput, ShareResult> = {
  parse: parseShare,
  run: runShare,
  text: printShare,
  json: (r) =>
    r.dryRun
      ? { dryRun: true, description: describeShare(r.selection.view), view: r.selection.view, withheldDetail: r.selection.withheld }
      : { disclosure: r.disclosure.id, consent: r.disclosure.consent, bundleHash: r.disclosure.bundleHash, out: r.dir, files: r.paths, encrypted: r.encrypted, items: r.items, withheld: r.withheld },
};

export function registerShare(program: Command, reg: Registrar): void {
  program
    .command("share")
    .description("build a bundle of exactly what an authorization allows, and record the disclosure")
    .argument("<client>", "id, id prefix, or a unique part of the name")
    .option("--consent <id>", "the authorization to share under (see chart consent list CLIENT)")
    .option("-o, --out <dir>", "the directory to write the bundle to (outside the chart repository)")
    .option("--format <formats>", "pdf, fhir, json, comma separated (default pdf,fhir; the manifest is always written)", collect)
    .option("--encrypt-to <recipient>", "encrypt the files to this age recipient (repeatable; default: the key on the authorization)", collect)
    .option("--passphrase", "encrypt the files with a passphrase ($CHART_SHARE_PASSPHRASE, or asked on the terminal)")
    .option("--plaintext", "write unencrypted files even when the authorization carries the recipient's key")
    .option("--dry-run", "show what would be shared and what withheld; write nothing")
    .option("-f, --force", "replace an output directory that already holds files, entirely")
    .option("-y, --yes", "the same as --force (answers the question on a terminal)")
    .option("--letter <file>", "open the PDF with a referral letter: the text in FILE, on the practice's letterhead")
    .option("-m, --message <text>", "the referral letter's text, given inline (instead of --letter)")
    .option("--question <text>", "the referral question, printed in the letter")
    .option("--allow-incomplete", "share even when records the authorization may cover cannot be read; they are named in the manifest and the PDF")
    .action(wire(reg, share));
}
