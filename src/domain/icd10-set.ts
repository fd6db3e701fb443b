/**
 * The complete ICD-10-CM code set of one fiscal year, as chart ships it: one line per code,
 * "CODE<TAB>B<TAB>SHORT DESCRIPTION", where B is 1 for a billable (valid for HIPAA-covered
 * transactions) code and 0 for a header (a category or subcategory with codes below it).
 * Built from the CMS/CDC "order file" (icd10cm-order-YYYY.txt, public domain) by
 * scripts/build-icd10cm.mjs, or, with --codes, from the billable-codes file
 * (icd10cm_codes_YYYY.txt), the headers then derived (compactFromCodesFile). The short
 * description may be empty (a set built from a list of codes alone). Pure: parsing and lookups.
 */
export interface Icd10Code {
  billable: boolean;
  short: string;
}

export interface Icd10CodeSet {
  year: string; // fiscal year, e.g. "2026"
  codes: ReadonlyMap<string, Icd10Code>; // normalised codes ("F41.1")
}

/** A code as the CMS files write it: no dot, 3 to 7 characters (QA0 has a letter second). */
const CODE_RE = /^[A-Z][0-9A-Z][0-9A-Z]{1,5}$/;

/** "F4310" -> "F43.10"; "F41" -> "F41". */
export const dotted = (code: string): string => (code.length > 3 ? `${code.slice(0, 3)}.${code.slice(3)}` : code);

/**
 * One line of the official order file (fixed width): order number (5), blank, code (7, no
 * dot), blank, 0/1 (header/billable), blank, short description (60), blank, long description.
 */
export function parseOrderLine(line: string): { code: string; billable: boolean; short: string; long: string } | undefined {
  if (line.length < 16) return undefined;
  const code = line.slice(6, 13).trim();
  const flag = line.slice(14, 15);
  if (!CODE_RE.test(code) || (flag !== "0" && flag !== "1")) return undefined;
  return { code: dotted(code), billable: flag === "1", short: line.slice(16, 76).trim(), long: line.slice(77).trim() };
}

/** The compact text chart ships: sorted lines "CODE\tB\tSHORT". */
export function compactFromOrderFile(text: string): string {
  const out: string[] = [];
  for (const line of text.replace(/\r\n?/g, "\n").split("\n")) {
    const e = parseOrderLine(line);
    if (e) out.push(`${e.code}\t${e.billable ? 1 : 0}\t${e.short.replace(/\t/g, " ")}`);
  }
  return `${out.join("\n")}\n`;
}

/**
 * The compact text from the official billable-codes file (icd10cm_codes_YYYY.txt: the code
 * without a dot, spaces, the description) or from a bare list of codes, one a line. That file
 * lists billable codes only, so the headers are derived: every strict prefix (3 characters or
 * more) of a billable code, except a prefix ending in the placeholder X that only pads a code
 * to its 7th character (T74.11X of T74.11XA), which the order file does not list. A prefix
 * ending in X with a code below it that is not such a padding (J09.X of J09.X1, O22.8X of
 * O22.8X1) is a header, as in the order file. Headers have no description here.
 */
export function compactFromCodesFile(text: string): string {
  const billable = new Map<string, string>();
  for (const raw of text.replace(/\r\n?/g, "\n").split("\n")) {
    const m = /^([A-Z][0-9A-Z][0-9A-Z]{1,5})(?:\s+(.*))?$/.exec(raw.trim());
    if (m) billable.set(m[1] as string, (m[2] ?? "").trim().replace(/\t/g, " "));
  }
  const headers = new Set<string>();
  const padOnly = new Map<string, boolean>();
  for (const code of billable.keys()) {
    for (let n = 3; n < code.length; n++) {
      const p = code.slice(0, n);
      if (billable.has(p)) continue;
      if (!p.endsWith("X")) {
        headers.add(p);
        continue;
      }
      const padding = code.length === 7 && /^X*[0-9A-Z]$/.test(code.slice(n));
      padOnly.set(p, (padOnly.get(p) ?? true) && padding);
    }
  }
  for (const [p, pad] of padOnly) if (!pad) headers.add(p);
  const lines = [...[...billable].map(([c, d]) => [c, "1", d] as const), ...[...headers].map((c) => [c, "0", ""] as const)];
  lines.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return `${lines.map(([c, f, d]) => `${dotted(c)}\t${f}\t${d}`).join("\n")}\n`;
}

export function parseCompact(text: string, year: string): Icd10CodeSet {
  const codes = new Map<string, Icd10Code>();
  for (const line of text.split("\n")) {
    if (line === "") continue;
    const [code, flag, short] = line.split("\t");
    if (code && (flag === "0" || flag === "1")) codes.set(code, { billable: flag === "1", short: short ?? "" });
  }
  return { year, codes };
}

export type CodeCheck =
  | { kind: "billable"; short: string }
  | { kind: "header"; short: string; children: string[] }
  | { kind: "unknown" };

/** Billable codes below a header, in code order. */
export function billableChildren(set: Icd10CodeSet, header: string): string[] {
  const prefix = header.length === 3 ? `${header}.` : header;
  return [...set.codes.entries()]
    .filter(([c, e]) => e.billable && (c.startsWith(prefix) || (header.length > 3 && c.startsWith(header) && c !== header)))
    .map(([c]) => c)
    .sort();
}

export function checkCode(set: Icd10CodeSet, code: string): CodeCheck {
  const e = set.codes.get(code);
  if (!e) return { kind: "unknown" };
  if (e.billable) return { kind: "billable", short: e.short };
  return { kind: "header", short: e.short, children: billableChildren(set, code) };
}
