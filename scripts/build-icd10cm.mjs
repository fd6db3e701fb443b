#!/usr/bin/env node
// Build chart's ICD-10-CM code set from the official CMS/CDC files (public domain):
//   node scripts/build-icd10cm.mjs icd10cm_order_2026.txt 2026            (the order file)
//   node scripts/build-icd10cm.mjs --codes icd10cm_codes_2026.txt 2026    (the billable-codes file)
//   node scripts/build-icd10cm.mjs --changes data/icd10cm/icd10cm-2026.tsv.gz CHANGES_DIR 2027
//                                     (a year's set from the previous one and the year's change lists:
//                                      CHANGES_DIR/added.csv, deleted.csv, billable-status-changes.csv,
//                                      as in makevision/icd10cm-open-data icd10cm/fy2027-changes/)
// writes data/icd10cm/icd10cm-2026.tsv.gz (one line per code: CODE<TAB>1|0<TAB>short
// description; 1 = billable, 0 = header). Get the files from the CMS ICD-10-CM page ("Code
// Descriptions in Tabular Order" zip) or the CDC NCHS ICD-10-CM FTP folder for the year.
//
// The order file is the better source: it lists the headers and the short descriptions. The
// codes file lists billable codes only (with their long descriptions; a bare list of codes, one
// a line, is read too), so with --codes the headers are derived: every strict prefix (3+
// characters) of a billable code, except a prefix ending in the placeholder X that only pads a
// code to its 7th character (T7411X of T7411XA), which the order file does not list. This
// mirrors compactFromCodesFile in src/domain/icd10-set.ts (a test checks they agree).
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync, gzipSync } from "node:zlib";

const args = process.argv.slice(2);
const codesMode = args[0] === "--codes";
const changesMode = args[0] === "--changes";
const changesDir = changesMode ? args[2] : undefined;
const [input, year] = codesMode ? args.slice(1) : changesMode ? [args[1], args[3]] : args;
if (!input || !/^\d{4}$/.test(year ?? "") || (changesMode && !changesDir)) {
  console.error("usage: node scripts/build-icd10cm.mjs [--codes] FILE FISCAL_YEAR   (e.g. icd10cm_order_2026.txt 2026)");
  console.error("       node scripts/build-icd10cm.mjs --changes PREVIOUS.tsv.gz CHANGES_DIR FISCAL_YEAR");
  process.exit(2);
}
const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = process.env.ICD10CM_OUT_DIR ?? join(root, "data", "icd10cm");
const CODE_RE = /^[A-Z][0-9A-Z][0-9A-Z]{1,5}$/;
const dotted = (code) => (code.length > 3 ? `${code.slice(0, 3)}.${code.slice(3)}` : code);
const text = changesMode ? "" : readFileSync(input, "utf8").replace(/\r\n?/g, "\n");
const lines = [];
let billable = 0;

/** The rows of a CSV file (RFC 4180 quoting), header row first. */
function csv(file) {
  const rows = [];
  let row = [];
  let field = "";
  let quoted = false;
  const src = readFileSync(file, "utf8").replace(/\r\n?/g, "\n");
  for (let i = 0; i < src.length; i++) {
    const ch = src[i];
    if (quoted) {
      if (ch === '"' && src[i + 1] === '"') (field += '"'), i++;
      else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") row.push(field), (field = "");
    else if (ch === "\n") row.push(field), rows.push(row), (row = []), (field = "");
    else field += ch;
  }
  if (field !== "" || row.length) row.push(field), rows.push(row);
  return rows;
}

if (changesMode) {
  // The previous year's set, then: deleted entries removed, billable-to-header changes applied,
  // added entries (with their short titles when the list has them) put in.
  const set = new Map();
  for (const line of gunzipSync(readFileSync(input)).toString("utf8").split("\n")) {
    if (!line) continue;
    const [code, flag, desc = ""] = line.split("\t");
    set.set(code.replace(".", ""), [flag, desc]);
  }
  const column = (rows, name) => rows[0].indexOf(name);
  const del = csv(join(changesDir, "deleted.csv"));
  for (const r of del.slice(1)) if (!set.delete(r[column(del, "code")])) throw new Error(`deleted ${r[0]} is not in ${input}`);
  const st = csv(join(changesDir, "billable-status-changes.csv"));
  for (const r of st.slice(1)) {
    const code = r[column(st, "code")];
    const cur = set.get(code);
    if (!cur) throw new Error(`status change of ${code}, which is not in ${input}`);
    set.set(code, [r[column(st, "newBillable")] === "true" ? "1" : "0", cur[1]]);
  }
  const add = csv(join(changesDir, "added.csv"));
  const short = column(add, "shortTitle");
  for (const r of add.slice(1)) {
    const code = r[column(add, "code")];
    if (set.has(code)) throw new Error(`added ${code} is already in ${input}`);
    set.set(code, [r[column(add, "billable")] === "true" ? "1" : "0", short >= 0 ? (r[short] ?? "").trim().replace(/\t/g, " ") : ""]);
  }
  for (const [code, [flag, desc]] of [...set].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))) {
    lines.push(`${dotted(code)}\t${flag}\t${desc}`);
    if (flag === "1") billable++;
  }
} else if (codesMode) {
  const bill = new Map();
  for (const raw of text.split("\n")) {
    const m = /^([A-Z][0-9A-Z][0-9A-Z]{1,5})(?:\s+(.*))?$/.exec(raw.trim());
    if (m) bill.set(m[1], (m[2] ?? "").trim().replace(/\t/g, " "));
  }
  const headers = new Set();
  const padOnly = new Map();
  for (const code of bill.keys()) {
    for (let n = 3; n < code.length; n++) {
      const p = code.slice(0, n);
      if (bill.has(p)) continue;
      if (!p.endsWith("X")) {
        headers.add(p);
        continue;
      }
      const padding = code.length === 7 && /^X*[0-9A-Z]$/.test(code.slice(n));
      padOnly.set(p, (padOnly.get(p) ?? true) && padding);
    }
  }
  for (const [p, pad] of padOnly) if (!pad) headers.add(p);
  const rows = [...[...bill].map(([c, d]) => [c, "1", d]), ...[...headers].map((c) => [c, "0", ""])];
  rows.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  for (const [c, f, d] of rows) lines.push(`${dotted(c)}\t${f}\t${d}`);
  billable = bill.size;
} else {
  for (const line of text.split("\n")) {
    if (line.length < 16) continue;
    const code = line.slice(6, 13).trim();
    const flag = line.slice(14, 15);
    if (!CODE_RE.test(code) || (flag !== "0" && flag !== "1")) continue;
    lines.push(`${dotted(code)}\t${flag}\t${line.slice(16, 76).trim().replace(/\t/g, " ")}`);
    if (flag === "1") billable++;
  }
}
if (lines.length === 0) {
  console.error(`${input}: no ICD-10-CM ${codesMode ? "codes-file" : "order-file"} lines found`);
  process.exit(3);
}
mkdirSync(out, { recursive: true });
const file = join(out, `icd10cm-${year}.tsv.gz`);
writeFileSync(file, gzipSync(`${lines.join("\n")}\n`, { level: 9 }));
console.log(`${file}: ${lines.length} codes (${billable} billable, ${lines.length - billable} headers), FY${year}`);
