/**
 * chart share CLIENT --consent ID: build the bundle an authorization allows (DESIGN.md section 7)
 * and record the disclosure. Refusals and --dry-run write nothing; a share that writes output
 * commits exactly one disclosure record ("chart: record disclosure") before the files appear
 * under their names.
 */
import { resolve } from "node:path";
import type { Command } from "commander";
import type { DisclosureRecord } from "../../domain/consent.js";
import { stamp } from "../../domain/dates.js";
import { conflict, invalid, usageError } from "../../domain/errors.js";
import type { DxEventRecord } from "../../domain/dx.js";
import { shortId } from "../../domain/ids.js";
import type { MedEventRecord } from "../../domain/med.js";
import type { NoteRecord } from "../../domain/note.js";
import { describeShare, explainShare, type Selection } from "../../domain/selection.js";
import type { ShareView } from "../../domain/share-view.js";
import {
  AGE_SUFFIX,
  bundleHash,
  checkFormats,
  checkOutDir,
  encryptBundle,
  existingFiles,
  FILE_NAMES,
  MANIFEST_FILE,
  renderBundle,
  stageBundle,
  type Encryption,
} from "../../export/bundle.js";
import { checkRecipient } from "../../store/age.js";
import { commitRecords, readKind } from "../../store/records.js";
import { readVoids } from "../../store/voids.js";
import type { Ctx } from "../context.js";
import { collect, type Registrar } from "../program.js";
import { canPrompt, confirm, required } from "../prompt.js";
import { loadConsent } from "./consent.js";

/** The passphrase: $CHART_SHARE_PASSPHRASE, else asked twice on a terminal (never argv). */
async function readPassphrase(ctx: Ctx): Promise<string> {
  const fromEnv = ctx.deps.env.CHART_SHARE_PASSPHRASE;
  if (fromEnv !== undefined && fromEnv !== "") return fromEnv;
  if (!canPrompt(ctx.deps)) {
    throw usageError("E_PASSPHRASE", "--passphrase needs $CHART_SHARE_PASSPHRASE or a terminal to ask on", "set CHART_SHARE_PASSPHRASE, or run the command in a terminal");
  }
  let ask: (message: string) => Promise<string>;
  if (ctx.deps.prompter) {
    const p = ctx.deps.prompter;
    ask = (message) => p.input({ message });
  } else {
    const { password } = await import("@inquirer/prompts");
    ask = (message) => password({ message, mask: "*" });
  }
  const first = await ask("Passphrase for the bundle");
  if (first === "") throw usageError("E_PASSPHRASE", "the passphrase is empty", "choose a passphrase, and give it to the recipient by another channel");
  if ((await ask("Repeat the passphrase")) !== first) throw usageError("E_PASSPHRASE", "the passphrases do not match", "run the command again");
  return first;
}

function printDryRun(ctx: Ctx, sel: Selection): void {
  const { view, withheld } = sel;
  if (ctx.out.json) {
    ctx.out.data({ dryRun: true, description: describeShare(view), view, withheldDetail: withheld });
    return;
  }
  const c = view.consent;
  const out = ctx.out;
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
      ["WITHHELD", "CATEGORY", "WHY (for you; the recipient sees only the counts below)"],
    );
  }
  if (view.withheld.length) {
    out.line("");
    out.table(view.withheld.map((w) => [String(w.count), w.category, w.reason]), ["RECIPIENT SEES", "CATEGORY", "WHY"]);
  }
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
    .option("-n, --dry-run", "show what would be shared and what withheld; write nothing")
    .option("-y, --yes", "replace bundle files already in the output directory")
    .action(
      reg.action(async (ctx, [q], opts) => {
        const { deps } = ctx;
        const formats = checkFormats(opts.format as string[] | undefined);
        const encryptTo = (opts.encryptTo as string[] | undefined) ?? [];
        const modes = [encryptTo.length > 0, !!opts.passphrase, !!opts.plaintext].filter(Boolean).length;
        if (modes > 1) throw usageError("E_USAGE", "--encrypt-to, --passphrase and --plaintext exclude each other", "choose one way to protect the bundle");
        const consentId = await required(deps, opts.consent as string | undefined, "--consent", "Authorization id (see chart consent list CLIENT)");
        const chart = await ctx.chart();
        let outDir: string | undefined;
        if (!opts.dryRun) {
          const given = await required(deps, opts.out as string | undefined, "--out", "Directory for the bundle");
          outDir = await checkOutDir(resolve(deps.cwd, given), chart);
        }
        const recipients = await Promise.all(encryptTo.map((r) => checkRecipient(r.trim())));

        const client = await ctx.client(q as string);
        const consent = await loadConsent(ctx, client, consentId);
        const [notes, meds, dx, voids] = await Promise.all([
          readKind<NoteRecord>(chart, "note", client.id),
          readKind<MedEventRecord>(chart, "med", client.id),
          readKind<DxEventRecord>(chart, "dx", client.id),
          readVoids(chart, client.id),
        ]);
        // An unreadable void could let a record entered in error out: refuse, as for consents.
        if (voids.failures.length) {
          ctx.reportFailures(voids.failures);
          throw invalid("E_VOIDS_UNREADABLE", `${voids.failures.length} void record(s) of this client cannot be read; nothing was shared`, "restore them from git history or run chart fsck");
        }
        const failures = [...notes.failures, ...meds.failures, ...dx.failures];
        ctx.reportFailures(failures);
        if (failures.length) ctx.out.warn(`${failures.length} record(s) could not be read and are not in the bundle`);
        const today = ctx.today();
        const sel = explainShare({ profile: client, notes: notes.records, meds: meds.records, dx: dx.records, voids: voids.voids }, consent, today);
        if (opts.dryRun) return printDryRun(ctx, sel);
        const { view } = sel;
        const dir = outDir as string;

        let encryption: Encryption | undefined;
        let how: DisclosureRecord["encryption"];
        if (recipients.length) {
          encryption = { recipients };
          how = "recipient";
        } else if (opts.passphrase) {
          encryption = { passphrase: await readPassphrase(ctx) };
          how = "passphrase";
        } else if (!opts.plaintext && consent.grant.recipient.ageRecipient) {
          encryption = { recipients: [await checkRecipient(consent.grant.recipient.ageRecipient)] };
          how = "recipient";
        }
        const suffix = encryption ? AGE_SUFFIX : "";
        const names = [...formats.map((f) => FILE_NAMES[f]), MANIFEST_FILE].map((n) => n + suffix);
        const present = await existingFiles(dir, names);
        if (present.length && !(await confirm(deps, !!opts.yes, `Replace ${present.join(", ")} in ${dir}?`))) {
          throw conflict("E_SHARE_EXISTS", `${present.join(", ")} already in ${dir}; nothing was written`, "pass --yes to replace them, or choose another --out");
        }

        if (encryption) {
          const stale = await existingFiles(dir, [...formats.map((f) => FILE_NAMES[f]), MANIFEST_FILE]);
          if (stale.length) ctx.out.warn(`plaintext files from an earlier bundle remain in ${dir}: ${stale.join(", ")}`);
        }
        const { files, manifest } = await renderBundle(view, formats);
        const plain = [...files, manifest];
        const written = encryption ? await encryptBundle(plain, encryption) : plain;
        const staged = await stageBundle(dir, written);
        const now = deps.now();
        const disclosure: DisclosureRecord = {
          chart: 1,
          kind: "disclosure",
          id: ctx.newId("disclosure"),
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
        try {
          await commitRecords(chart, [disclosure], "chart: record disclosure");
        } catch (e) {
          await staged.abort();
          throw e;
        }
        const paths = await staged.publish();
        if (!encryption) ctx.out.warn(`the bundle in ${dir} is plaintext: keep it safe, send it over a secure channel, and delete it once delivered`);
        if (ctx.out.json) {
          ctx.out.data({ disclosure: disclosure.id, consent: consent.grant.id, bundleHash: disclosure.bundleHash, out: dir, files: paths, encrypted: !!encryption, items: view.items.length, withheld: view.withheld });
          return;
        }
        for (const p of paths) ctx.out.line(p);
        ctx.out.info(`recorded disclosure ${shortId(disclosure.id)}: ${disclosure.description}`);
        ctx.out.info(`bundle hash ${disclosure.bundleHash} (the SHA-256 of ${MANIFEST_FILE})`);
      }),
    );
}
