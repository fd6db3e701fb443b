/**
 * A fast path for the YAML inside chart's records (envelope.ts): a map of plain scalars, lists
 * of plain strings and one level of nested maps, written exactly as the yaml package's
 * `stringify` writes it with the envelope's options (lineWidth 0, plain keys), or undefined for
 * anything else, which the package then writes. An import serializes tens of thousands of
 * records, and the package's general document model was about a third of a worker's time
 * (docs/decisions.md, "Where the time goes"); a test checks the two agree on arbitrary records.
 *
 * A string is written plain only when it is printable ASCII, starts with a letter or digit, and
 * passes the package's own checks for a plain scalar (stringifyString.js, plainString): none of
 * ": ", " #", a trailing space or colon, and it does not read back as another type of the core
 * schema (null, booleans, integers, floats; the package's own tests, from its Schema).
 */
import { Schema } from "yaml";

const PRINTABLE = /^[A-Za-z0-9][\x20-\x7e]*$/;
// yaml's plainString: strings it would quote or write as a block.
const NOT_PLAIN = /^[\n\t ,[\]{}#&*!|>'"%@`]|^[?-]$|^[?-][ \t]|[\n:][ \t]|[ \t]\n|[\n\t ]#|[\n\t :]$/;
const KEY = /^[A-Za-z][A-Za-z0-9_]*$/;

type Test = { default?: boolean; tag: string; test?: RegExp };
let others: RegExp[] | undefined;
/** The core schema's tests for scalars that are not strings. */
function otherTypes(): RegExp[] {
  others ??= (new Schema({ schema: "core" }).tags as Test[])
    .filter((t) => t.default && t.tag !== "tag:yaml.org,2002:str" && t.test)
    .map((t) => t.test as RegExp);
  return others;
}

const plain = (s: string): boolean => PRINTABLE.test(s) && !NOT_PLAIN.test(s) && !otherTypes().some((t) => t.test(s));

/** A scalar as yaml writes it plain, or undefined. */
function scalar(v: unknown): string | undefined {
  if (typeof v === "string") return plain(v) ? v : undefined;
  if (typeof v === "number") return Number.isSafeInteger(v) && !Object.is(v, -0) ? String(v) : undefined;
  if (typeof v === "boolean") return v ? "true" : "false";
  return undefined;
}

const isMap = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype;

/** Lines of a map at an indent; nested maps and lists only at the top (depth 0). */
function mapLines(obj: Record<string, unknown>, indent: string, depth: number, out: string[]): boolean {
  for (const [k, v] of Object.entries(obj)) {
    if (v === undefined) continue; // yaml leaves undefined values out of a map
    if (!plain(k) || !KEY.test(k)) return false;
    const s = scalar(v);
    if (s !== undefined) {
      out.push(`${indent}${k}: ${s}\n`);
      continue;
    }
    if (depth > 0) return false;
    if (Array.isArray(v)) {
      if (v.length === 0) {
        out.push(`${indent}${k}: []\n`);
        continue;
      }
      out.push(`${indent}${k}:\n`);
      for (const item of v) {
        const t = typeof item === "string" ? scalar(item) : undefined;
        if (t === undefined) return false;
        out.push(`${indent}  - ${t}\n`);
      }
    } else if (isMap(v)) {
      if (Object.values(v).every((x) => x === undefined)) {
        out.push(`${indent}${k}: {}\n`);
        continue;
      }
      out.push(`${indent}${k}:\n`);
      if (!mapLines(v, `${indent}  `, depth + 1, out)) return false;
    } else return false;
  }
  return true;
}

/** The YAML of a record's fields, as yaml's stringify writes it, or undefined (use yaml). */
export function plainYaml(data: Record<string, unknown>): string | undefined {
  const out: string[] = [];
  if (!isMap(data) || !mapLines(data, "", 0, out)) return undefined;
  return out.length ? out.join("") : undefined;
}
