/**
 * The superbill PDF: one page per client per month (a long month continues on the next page),
 * on the practice's letterhead, tagged and with embedded fonts like every chart PDF.
 */
import type { IsoDate } from "../domain/dates.js";
import { licenseLine, signatureName, type Practice } from "../domain/practice.js";
import type { SuperbillData } from "../domain/superbill.js";
import { localTime } from "./local-time.js";
import type { PdfBlock } from "./pdf-model.js";

export interface SuperbillInput {
  data: SuperbillData;
  client: { name: string; dob?: IsoDate; phone?: string; email?: string };
  practice: Practice;
  clinician: string;
  generatedAt: string;
}

const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];
export const monthName = (month: string): string => `${MONTHS[Number(month.slice(5, 7)) - 1] ?? ""} ${month.slice(0, 4)}`;

export function superbillModel(s: SuperbillInput): PdfBlock[] {
  const p = s.practice;
  const who = `${s.client.name}${s.client.dob ? ` · born ${s.client.dob}` : ""}`;
  const blocks: PdfBlock[] = [{ kind: "running", header: who, footer: `Superbill, ${monthName(s.data.month)}` }];
  const lines: string[] = [];
  if (p.address) lines.push(...p.address.split("\n").map((l) => l.trim()).filter(Boolean));
  const contact = [p.phone ? `Phone ${p.phone}` : "", p.fax ? `Fax ${p.fax}` : "", p.email ?? ""].filter(Boolean).join(" · ");
  if (contact) lines.push(contact);
  blocks.push({ kind: "letterhead", name: p.name ?? signatureName(p, s.clinician), lines });
  blocks.push({ kind: "title", text: `Superbill — ${monthName(s.data.month)}`, subtitle: `Statement of services, prepared ${localTime(s.generatedAt, p.timeZone)}` });
  const provider = [
    { label: "Provider", value: signatureName(p, s.clinician) },
    ...(p.npi ? [{ label: "NPI", value: p.npi }] : []),
    ...(licenseLine(p) ? [{ label: "Licence", value: (licenseLine(p) as string).replace(/^(\w+) licence /, "$1 ") }] : []),
    { label: "Client", value: s.client.name },
    ...(s.client.dob ? [{ label: "Date of birth", value: s.client.dob }] : []),
    ...(s.client.phone ? [{ label: "Client phone", value: s.client.phone }] : []),
    { label: "Period", value: `${s.data.from} to ${s.data.until}` },
  ];
  blocks.push({ kind: "fields", rows: provider });
  blocks.push({ kind: "heading", level: 1, text: "Diagnoses (ICD-10-CM)" });
  if (s.data.diagnoses.length === 0) blocks.push({ kind: "paragraph", text: "No diagnosis recorded for this period.", style: "muted" });
  else {
    blocks.push({
      kind: "table",
      columns: [
        { title: "#", width: 0.06 },
        { title: "Code", width: 0.14 },
        { title: "Description", width: 0.8 },
      ],
      rows: s.data.diagnoses.map((d, i) => [String(i + 1), d.code, `${d.description ?? ""}${d.primary ? (d.description ? " (primary)" : "primary") : ""}`]),
    });
  }
  blocks.push({ kind: "heading", level: 1, text: "Services" });
  if (s.data.services.length === 0) blocks.push({ kind: "paragraph", text: "No billable services (signed notes with a CPT code) in this period.", style: "muted" });
  else {
    const pointers = s.data.diagnoses.slice(0, 4).map((_, i) => String(i + 1)).join(", ");
    blocks.push({
      kind: "table",
      columns: [
        { title: "Date of service", width: 0.3 },
        { title: "CPT", width: 0.2 },
        { title: "Minutes", width: 0.2 },
        { title: "Diagnosis pointer", width: 0.3 },
      ],
      rows: s.data.services.map((x) => [x.date, x.cpt, x.minutes !== undefined ? String(x.minutes) : "", pointers]),
    });
  }
  blocks.push({ kind: "paragraph", text: "Fees are not recorded in chart; add them from your fee schedule if your insurer asks for them.", style: "meta" });
  blocks.push({ kind: "signature", lines: ["I certify that the services listed were provided.", "", "______________________________", signatureName(p, s.clinician), ...(p.npi ? [`NPI ${p.npi}`] : [])] });
  return blocks;
}

export async function renderSuperbillPdf(s: SuperbillInput): Promise<Uint8Array> {
  const { newDocument, renderBlocks } = await import("./pdf.js");
  const blocks = superbillModel(s);
  const { doc, root } = await newDocument(new Date(s.generatedAt), { title: `Superbill ${s.data.month} — ${s.client.name}`, subject: "Statement of services" });
  return renderBlocks(doc, root, blocks);
}
