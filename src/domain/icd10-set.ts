/**
 * The complete ICD-10-CM code set of one fiscal year, as chart ships it: one line per code,
 * "CODE<TAB>B<TAB>SHORT DESCRIPTION", where B is 1 for a billable (valid for HIPAA-covered
 * transactions) code and 0 for a header (a category or subcategory with codes below it).
 * Built from the CMS/CDC "order file" (icd10cm-order-YYYY.txt, public domain) by
 * scripts/build-icd10cm.mjs. Pure: parsing and lookups.
 */
export interface Icd10Code {
  billable: boolean;
  short: string;
}

export interface Icd10CodeSet {
  year: string; // fiscal year, e.g. "2026"
  codes: ReadonlyMap<string, Icd10Code>; // normalised codes ("F41.1")
}

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
  if (!/^[A-Z][0-9][0-9A-Z]{1,5}$/.test(code) || (flag !== "0" && flag !== "1")) return undefined;
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
