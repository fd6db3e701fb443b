/**
 * The accounting of disclosures a client may request (45 CFR 164.528), as a PDF for the client
 * and as JSON: every disclosure subject to the accounting in the six years before the request
 * (or a shorter period the client asked for), each with the content 164.528(b)(2) requires:
 * the date, the recipient's name and address if known, a brief description of what was
 * disclosed, and a brief statement of the purpose (with its legal basis).
 *
 * Pure model (accountingModel, accountingJson), rendered with the share PDF's primitives.
 */
import { basisText, type AccountableDisclosure } from "../domain/accounting.js";
import type { IsoDate } from "../domain/dates.js";
import { licenseLine, signatureName, type Practice } from "../domain/practice.js";
import { localTime } from "./local-time.js";
import type { PdfBlock } from "./pdf-model.js";

export const ACCOUNTING_FORMAT = "chart-accounting 1";

export interface AccountingInput {
  client: { name: string; dob?: IsoDate };
  from: IsoDate;
  until: IsoDate;
  requested: IsoDate;
  generatedAt: string;
  practice: Practice;
  discloser: string;
  entries: readonly AccountableDisclosure[];
}

export const EXEMPT_TEXT =
  "Not listed, as 45 CFR 164.528(a)(1) allows: disclosures for treatment, payment and health care operations; to you or at " +
  "your request; under your written authorization; for a facility directory or to persons involved in your care; for " +
  "national security or intelligence purposes; to correctional institutions or law enforcement officials having custody " +
  "of you; as part of a limited data set; and incidental disclosures.";

const recipientText = (d: AccountableDisclosure): string =>
  [d.recipient.name, d.recipient.organization, d.address ?? d.recipient.contact].filter((x): x is string => !!x).join("\n");

export function accountingModel(a: AccountingInput): PdfBlock[] {
  const who = `${a.client.name}${a.client.dob ? ` · born ${a.client.dob}` : ""}`;
  const blocks: PdfBlock[] = [{ kind: "running", header: who, footer: "Accounting of disclosures — confidential" }];
  const p = a.practice;
  if (p.name || p.clinician) {
    const lines: string[] = [];
    if (p.address) lines.push(...p.address.split("\n").map((l) => l.trim()).filter(Boolean));
    const contact = [p.phone ? `Phone ${p.phone}` : "", p.email ?? ""].filter(Boolean).join(" · ");
    if (contact) lines.push(contact);
    const ids = [licenseLine(p) ?? "", p.npi ? `NPI ${p.npi}` : ""].filter(Boolean).join(" · ");
    if (ids) lines.push(ids);
    blocks.push({ kind: "letterhead", name: p.name ?? signatureName(p, a.discloser), lines });
  }
  blocks.push(
    { kind: "title", text: "Accounting of disclosures", subtitle: `Prepared ${localTime(a.generatedAt, p.timeZone)}` },
    {
      kind: "fields",
      rows: [
        { label: "For", value: who.replace(" · ", ", ") },
        { label: "Requested", value: a.requested },
        { label: "Period", value: `${a.from} to ${a.until}` },
        { label: "Prepared by", value: signatureName(p, a.discloser) },
      ],
    },
    {
      kind: "paragraph",
      text: "This accounting lists the disclosures of your health information that federal law (45 CFR 164.528) requires us to account for, made in the period above.",
    },
  );
  if (a.entries.length === 0) blocks.push({ kind: "paragraph", text: "No disclosures subject to the accounting were made in this period.", style: "muted" });
  else {
    blocks.push({
      kind: "table",
      columns: [
        { title: "Date", width: 0.13 },
        { title: "Recipient and address", width: 0.27 },
        { title: "What was disclosed", width: 0.3 },
        { title: "Purpose and legal basis", width: 0.3 },
      ],
      rows: a.entries.map((d) => [d.date, recipientText(d), d.description, `${d.purposes.join("; ")}\n${basisText(d)}`]),
    });
  }
  blocks.push({ kind: "paragraph", text: EXEMPT_TEXT, style: "meta" });
  return blocks;
}

export function accountingJson(a: AccountingInput): Record<string, unknown> {
  return {
    format: ACCOUNTING_FORMAT,
    client: a.client,
    requested: a.requested,
    period: { from: a.from, until: a.until },
    generatedAt: a.generatedAt,
    preparedBy: signatureName(a.practice, a.discloser),
    entries: a.entries.map((d) => ({
      id: d.id,
      date: d.date,
      recipient: d.recipient,
      ...(d.address ? { address: d.address } : {}),
      description: d.description,
      purposes: d.purposes,
      basis: d.basis,
      legalBasis: basisText(d),
    })),
    notListed: EXEMPT_TEXT,
  };
}

/** The accounting as a PDF (tagged, fonts embedded, like share PDFs). */
export async function renderAccountingPdf(a: AccountingInput): Promise<Uint8Array> {
  const { newDocument, renderBlocks } = await import("./pdf.js");
  const blocks = accountingModel(a);
  const { doc, root } = await newDocument(new Date(a.generatedAt), { title: `Accounting of disclosures — ${a.client.name}`, subject: "45 CFR 164.528" });
  return renderBlocks(doc, root, blocks);
}
