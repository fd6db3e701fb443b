/**
 * The text inside each .age file: YAML, or YAML front matter and a Markdown body for records
 * that carry text. A MAC (HMAC-SHA256 with the chart's MAC key) covers the record and its path,
 * so a moved, swapped or forged file is detected. Bodies are padded to size buckets.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { parse, stringify } from "yaml";
import { canonicalJson } from "../domain/canonical.js";
import { invalid } from "../domain/errors.js";
import { normaliseBody } from "../domain/note.js";
import { checkEnvelope, type AnyRecord, type BaseRecord } from "../domain/record.js";
import { parseFastYaml } from "./yaml-fast.js";
import { plainYaml } from "./yaml-plain.js";

const MAC_PREFIX = "hmac-sha256:";

export function computeMac(record: BaseRecord, path: string, macKey: Uint8Array): string {
  const { mac: _mac, ...rest } = record as BaseRecord & { mac?: unknown };
  const h = createHmac("sha256", macKey);
  h.update(`chart-mac-1\n${path}\n`);
  h.update(canonicalJson(rest));
  return MAC_PREFIX + h.digest("hex");
}

/** Smallest bucket >= n: 512, 1K, 2K, ... 64K, then multiples of 64K. */
export function paddedLength(n: number): number {
  if (n > 65536) return Math.ceil(n / 65536) * 65536;
  let b = 512;
  while (b < n) b *= 2;
  return b;
}

// The common shapes without yaml's document model (yaml-plain.ts: the same text), else yaml.
const yamlOut = (data: Record<string, unknown>): string =>
  plainYaml(data) ?? stringify(data, { lineWidth: 0, defaultKeyType: "PLAIN", aliasDuplicateObjects: false });

export function serialize(record: BaseRecord, path: string, macKey: Uint8Array): string {
  const { body, mac: _m, ...fields } = record as BaseRecord & { mac?: unknown };
  const clean = JSON.parse(JSON.stringify(fields)) as AnyRecord; // drop undefined
  if (body !== undefined) clean.body = normaliseBody(body);
  const mac = computeMac(clean, path, macKey);
  const { body: b, ...head } = clean;
  let text =
    b === undefined ? yamlOut({ ...head, mac }) : `---\n${yamlOut({ ...head, mac })}---\n${b}`;
  const target = paddedLength(Buffer.byteLength(text) + 1);
  text += `${" ".repeat(target - Buffer.byteLength(text) - 1)}\n`;
  return text;
}

/** Warnings are silenced (logLevel "error"): yaml would print them with record content in them. */
function parseYaml(src: string, path: string, lineOffset: number): unknown {
  try {
    return parse(src, { schema: "core", uniqueKeys: true, prettyErrors: false, logLevel: "error" });
  } catch (e) {
    // Never echo the content: say where, not what.
    const pos = (e as { linePos?: [{ line: number }] }).linePos?.[0]?.line;
    const at = pos ? ` near line ${pos + lineOffset}` : "";
    throw invalid("E_MALFORMED", `${path}: malformed YAML inside the record${at}`, "restore it from git history (git log -- PATH), or run chart fsck");
  }
}

/**
 * The record in an envelope's text, its MAC verified. The YAML is first read with the reader of
 * chart's own plain subset (yaml-fast.ts); when that declines, or what it gives does not pass
 * the checks below, the full parser reads it, and its result or error is the answer.
 */
export function parseEnvelope(text: string, path: string, macKey: Uint8Array): AnyRecord {
  try {
    const fast = readEnvelope(text, path, macKey, true);
    if (fast) return fast;
  } catch {
    // The full parser decides, with its own findings.
  }
  return readEnvelope(text, path, macKey, false) as AnyRecord;
}

function readEnvelope(text: string, path: string, macKey: Uint8Array, fast: boolean): AnyRecord | undefined {
  let data: unknown;
  let body: string | undefined;
  if (text.startsWith("---\n")) {
    const end = text.indexOf("\n---\n", 3);
    if (end < 0) throw invalid("E_MALFORMED", `${path}: front matter is not closed`, "run chart fsck");
    data = fast ? parseFastYaml(text.slice(4, end + 1)) : parseYaml(text.slice(4, end + 1), path, 1);
    body = normaliseBody(text.slice(end + 5));
  } else {
    data = fast ? parseFastYaml(text) : parseYaml(text, path, 0);
  }
  if (fast && data === undefined) return undefined;
  if (typeof data === "object" && data !== null && !Array.isArray(data) && body !== undefined) {
    (data as Record<string, unknown>).body = body;
  }
  const record = checkEnvelope(data, path);
  const given = (record as { mac?: unknown }).mac;
  if (typeof given !== "string" || !given.startsWith(MAC_PREFIX)) {
    throw invalid("E_BAD_MAC", `${path}: the record has no MAC`, "it was not written by chart; run chart fsck");
  }
  const expected = computeMac(record, path, macKey);
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  if (a.length !== b.length || !timingSafeEqual(a, b)) {
    throw invalid("E_BAD_MAC", `${path}: the record's MAC does not verify (altered, forged or moved)`, "restore it from git history, or run chart fsck");
  }
  delete (record as { mac?: unknown }).mac;
  return record;
}
