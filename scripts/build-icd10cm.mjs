#!/usr/bin/env node
// Build chart's ICD-10-CM code set from the official CMS/CDC order file (public domain):
//   node scripts/build-icd10cm.mjs icd10cm-order-2026.txt 2026
// writes data/icd10cm/icd10cm-2026.tsv.gz (one line per code: CODE<TAB>1|0<TAB>short
// description; 1 = billable, 0 = header). Get the order file from the CMS ICD-10-CM page
// ("Code Descriptions in Tabular Order" zip) or the CDC NCHS ICD-10-CM FTP folder for the year.
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const [input, year] = process.argv.slice(2);
if (!input || !/^\d{4}$/.test(year ?? "")) {
  console.error("usage: node scripts/build-icd10cm.mjs ORDER_FILE FISCAL_YEAR   (e.g. icd10cm-order-2026.txt 2026)");
  process.exit(2);
}
const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = process.env.ICD10CM_OUT_DIR ?? join(root, "data", "icd10cm");
const lines = [];
let billable = 0;
for (const line of readFileSync(input, "utf8").replace(/\r\n?/g, "\n").split("\n")) {
  if (line.length < 16) continue;
  const code = line.slice(6, 13).trim();
  const flag = line.slice(14, 15);
  if (!/^[A-Z][0-9][0-9A-Z]{1,5}$/.test(code) || (flag !== "0" && flag !== "1")) continue;
  const d = code.length > 3 ? `${code.slice(0, 3)}.${code.slice(3)}` : code;
  lines.push(`${d}\t${flag}\t${line.slice(16, 76).trim().replace(/\t/g, " ")}`);
  if (flag === "1") billable++;
}
if (lines.length === 0) {
  console.error(`${input}: no ICD-10-CM order-file lines found`);
  process.exit(3);
}
mkdirSync(out, { recursive: true });
const file = join(out, `icd10cm-${year}.tsv.gz`);
writeFileSync(file, gzipSync(`${lines.join("\n")}\n`, { level: 9 }));
console.log(`${file}: ${lines.length} codes (${billable} billable, ${lines.length - billable} headers), FY${year}`);
