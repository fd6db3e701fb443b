/**
 * Extra sections of `chart client show`: current medications and current diagnoses, in JSON
 * (`medications`, `diagnoses`: the folded objects, as `med list` and `dx list` give them) and
 * as text lines under the profile.
 */
import type { ClientRecord } from "../../domain/client.js";
import { foldDiagnoses, isCurrentDx, statusWord } from "../../domain/dx.js";
import { shortId } from "../../domain/ids.js";
import { foldMedications } from "../../domain/med.js";
import { readLive } from "../../store/voids.js";
import type { Ctx } from "../context.js";

export interface ClientSummary {
  json: Record<string, unknown>;
  lines: string[];
}

export async function clientSummary(ctx: Ctx, client: ClientRecord): Promise<ClientSummary> {
  const chart = await ctx.chart();
  const meds = await readLive(chart, "med", client.id);
  const dx = await readLive(chart, "dx", client.id);
  ctx.incomplete([...meds.failures, ...dx.failures]);
  const medications = foldMedications(meds.records).filter((m) => m.active);
  const diagnoses = foldDiagnoses(dx.records).filter(isCurrentDx);
  const c = ctx.out.color;
  const lines: string[] = [""];
  lines.push(c.bold("Current diagnoses"));
  if (diagnoses.length === 0) lines.push(c.dim("  none recorded"));
  for (const d of diagnoses) {
    const tags = [d.status !== "active" ? statusWord(d.status) : "", d.primary ? "primary" : "", d.labels?.length ? d.labels.join(",") : ""].filter(Boolean);
    lines.push(`  ${[d.code, d.description].filter(Boolean).join("  ")}${tags.length ? ` (${tags.join("; ")})` : ""}  ${c.dim(`since ${d.added}`)}`);
  }
  lines.push("");
  lines.push(c.bold("Current medications"));
  if (medications.length === 0) lines.push(c.dim("  none recorded"));
  for (const m of medications) {
    const detail = [m.dose, m.route, m.frequency].filter(Boolean).join(", ");
    const tags = [m.prescriber ? `prescriber ${m.prescriber}` : "", m.labels?.length ? m.labels.join(",") : ""].filter(Boolean);
    lines.push(`  ${m.name}${detail ? ` ${detail}` : ""}${tags.length ? ` (${tags.join("; ")})` : ""}  ${c.dim(`since ${m.started}, ${shortId(m.med)}`)}`);
  }
  return {
    json: {
      medications: medications.map((m) => ({ ...m, client: client.id })),
      diagnoses: diagnoses.map((d) => ({ ...d, client: client.id })),
    },
    lines,
  };
}
