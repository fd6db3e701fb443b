/** .chart/recipients: age recipients, one per line, "# label" comment lines before them. */

export interface RecipientEntry {
  recipient: string;
  label: string;
}

export function parseRecipients(text: string): RecipientEntry[] {
  const out: RecipientEntry[] = [];
  let label = "";
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === "") continue;
    if (line.startsWith("#")) {
      label = line.replace(/^#\s*/, "");
      continue;
    }
    out.push({ recipient: line, label });
    label = "";
  }
  return out;
}

export function formatRecipients(entries: readonly RecipientEntry[]): string {
  return entries.map((e) => `${e.label ? `# ${e.label}\n` : ""}${e.recipient}\n`).join("");
}
