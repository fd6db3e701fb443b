/**
 * Markdown export (docs/export.md): a folder per client that reads well in any editor:
 * README.md (profile, current diagnoses and medications with their history, authorizations,
 * disclosures, a list of notes) and notes/<date>-<type>-<id>.md (each note with its addenda).
 */
import { displayName } from "../domain/client.js";
import { describeDxEvent, foldDiagnoses, statusWord } from "../domain/dx.js";
import type { ClientData } from "../domain/export.js";
import { shortId } from "../domain/ids.js";
import { describeMedEvent, foldMedications } from "../domain/med.js";
import type { NoteRecord } from "../domain/note.js";
import { textOf } from "../domain/text-of.js";

const noteFile = (n: NoteRecord): string => `notes/${n.date}-${n.type}-${shortId(n.id)}.md`;

/** A line of text safe inside a Markdown table cell or list item. */
const inline = (s: string | undefined): string => (s ?? "").replace(/\r?\n/g, " ").replace(/\|/g, "\\|");

function noteText(n: NoteRecord, addenda: readonly NoteRecord[], voided: ReadonlyMap<string, string>): string {
  const head = [
    `# ${n.type} note, ${n.date}`,
    "",
    `- id: ${n.id}`,
    n.duration ? `- duration: ${n.duration} min` : "",
    n.cpt ? `- CPT: ${n.cpt}` : "",
    n.labels?.length ? `- labels: ${n.labels.join(", ")}` : "",
    n.signed ? `- signed by ${inline(n.signed.by)} at ${n.signed.at}` : "- status: draft (unsigned)",
    voided.has(n.id) ? `- **VOIDED**: ${inline(voided.get(n.id))}` : "",
  ].filter((l, i) => i < 2 || l !== "");
  const parts = [head.join("\n"), "", n.body.trimEnd(), ""];
  for (const a of addenda) {
    parts.push(`## Addendum, ${a.date}`, "", `- id: ${a.id}`, a.signed ? `- signed by ${inline(a.signed.by)} at ${a.signed.at}` : "- status: draft (unsigned)", "", a.body.trimEnd(), "");
  }
  return parts.join("\n");
}

export function clientMarkdown(c: ClientData): { name: string; text: string }[] {
  const p = c.profile;
  const voided = new Map(c.voids.map((v) => [v.target, `${v.reason} (${v.at}, ${v.by})`]));
  const files: { name: string; text: string }[] = [];
  const lines: string[] = [`# ${inline(displayName(p))}`, ""];
  const row = (k: string, v: string | undefined) => (v ? lines.push(`- ${k}: ${inline(v)}`) : 0);
  row("id", p.id);
  row("pronouns", p.pronouns);
  row("date of birth", p.dob);
  row("email", p.email);
  row("phone", p.phone);
  row("emergency contact", p.emergencyContact);
  row("status", `${p.status}${p.admitted ? `, admitted ${p.admitted}` : ""}${p.discharged ? `, discharged ${p.discharged}` : ""}`);
  if (voided.has(p.id)) lines.push(`- **VOIDED**: ${inline(voided.get(p.id))}`);
  const live = <T extends { id: string }>(xs: readonly T[]) => xs.filter((x) => !voided.has(x.id));

  lines.push("", "## Diagnoses", "");
  const dx = foldDiagnoses(live(c.dx));
  if (dx.length === 0) lines.push("none in this export");
  for (const d of dx) lines.push(`- ${d.code}${d.description ? ` ${inline(d.description)}` : ""}: ${statusWord(d.status)} since ${d.since}${d.primary ? " (primary)" : ""}`);
  if (c.dx.length) {
    lines.push("", "### Diagnosis history", "");
    for (const e of c.dx) lines.push(`- ${e.date} ${inline(describeDxEvent(e))}${voided.has(e.id) ? " **(voided)**" : ""}`);
  }
  lines.push("", "## Medications", "");
  const meds = foldMedications(live(c.meds));
  if (meds.length === 0) lines.push("none in this export");
  for (const m of meds) lines.push(`- ${inline(m.name)}${m.dose ? ` ${inline(m.dose)}` : ""}: ${m.active ? "active" : `stopped ${m.stopped ?? ""}`}, started ${m.started}`);
  if (c.meds.length) {
    const names = new Map(foldMedications(c.meds).map((m) => [m.med, m.name]));
    lines.push("", "### Medication history", "");
    for (const e of c.meds) lines.push(`- ${e.date} ${inline(describeMedEvent(e, names.get(e.med)))}${voided.has(e.id) ? " **(voided)**" : ""}`);
  }
  lines.push("", "## Notes", "");
  const tops = c.notes.filter((n) => n.type !== "addendum");
  if (tops.length === 0) lines.push("none in this export");
  for (const n of tops) {
    const addenda = c.notes.filter((a) => a.addendumTo === n.id);
    files.push({ name: noteFile(n), text: noteText(n, addenda, voided) });
    lines.push(`- [${n.date} ${n.type}${n.status === "draft" ? " (draft)" : ""}](${noteFile(n)})${addenda.length ? ` with ${addenda.length} addend${addenda.length === 1 ? "um" : "a"}` : ""}${voided.has(n.id) ? " **(voided)**" : ""}`);
  }
  if (c.consents.length) {
    lines.push("", "## Authorizations", "");
    for (const k of c.consents) {
      const x = k as unknown as Record<string, unknown>;
      lines.push(
        x.event === "grant"
          ? `- ${k.id}: to ${inline((x.recipient as { name: string }).name)}, ${inline((x.categories as string[]).join(", "))}, signed ${String(x.signed)}${x.expires ? `, expires ${textOf(x.expires)}` : ""}`
          : `- ${k.id}: revokes ${String(x.revokes)} on ${String(x.date)}`,
      );
    }
  }
  if (c.disclosures.length) {
    lines.push("", "## Disclosures", "");
    for (const d of c.disclosures) lines.push(`- ${d.date} to ${inline(d.recipient.name)}: ${inline(d.description)}`);
  }
  files.unshift({ name: "README.md", text: `${lines.join("\n")}\n` });
  return files;
}
