/**
 * A reader for the plain subset of YAML that chart's own envelopes use (envelope.ts `serialize`:
 * a mapping of plain keys to scalars, flat lists of scalars and one level of nested mappings),
 * because the full YAML parser was about a third of opening a record (docs/decisions.md, "Where
 * the time goes"). It answers undefined for anything outside that subset (block scalars, nested
 * lists, comments, anchors, flow collections other than [] and {}, escapes beyond JSON's,
 * numbers other than plain integers, duplicate keys...), and the caller then parses with the
 * full parser. The caller also falls back to the full parser when what this gives does not
 * pass the envelope and MAC checks, so a record is only ever taken from here when it is,
 * byte for byte through canonical JSON, the record its MAC was made over.
 *
 * Scalars follow the YAML 1.2 core schema as the full parser applies it (null, true, false,
 * decimal integers; anything else plain is a string).
 */

type Value = string | number | boolean | null | Value[] | { [k: string]: Value };

const KEY = /^([A-Za-z_][A-Za-z0-9_]*):(?: (.*))?$/;
const DOUBLE = /^"(?:[^"\\]|\\["\\/bfnrt]|\\u[0-9a-fA-F]{4})*"$/;
/** A control character (below a space): never plain in these scalars. */
const CONTROL = /[^ -\uffff]/;
const INT = /^-?(?:0|[1-9][0-9]{0,14})$/;
/** Plain scalars taken as strings: no indicator first, no tab, no ": " or " #", no ":" last. */
const PLAIN = /^[A-Za-z0-9_./()][^\t]*$/;
/** What the core schema reads as other than a string (null, booleans, numbers): left to the full parser. */
const SPECIAL = /^(?:null|Null|NULL|~|true|True|TRUE|false|False|FALSE|[-+]?\.(?:inf|Inf|INF|nan|NaN|NAN)|0o[0-7]+|0x[0-9a-fA-F]+|[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?)$/;

function scalar(raw: string): Value | undefined {
  if (raw === "" || raw !== raw.trim()) return undefined;
  if (raw === "[]") return [];
  if (raw === "{}") return {};
  if (raw.startsWith('"')) {
    if (!DOUBLE.test(raw) || CONTROL.test(raw)) return undefined;
    try {
      return JSON.parse(raw) as string;
    } catch {
      return undefined;
    }
  }
  if (raw.startsWith("'")) {
    const inner = raw.slice(1, -1);
    if (raw.length < 2 || !raw.endsWith("'") || /'(?!')/.test(inner.replace(/''/g, "")) || CONTROL.test(inner)) return undefined;
    return inner.replace(/''/g, "'");
  }
  if (raw === "null") return null;
  if (raw === "true") return true;
  if (raw === "false") return false;
  if (INT.test(raw)) return Number(raw);
  if (SPECIAL.test(raw) || !PLAIN.test(raw) || raw.includes(" #") || raw.includes(": ") || raw.endsWith(":")) return undefined;
  return raw;
}

/** The mapping in `src`, or undefined when it is not in the subset (use the full parser). */
export function parseFastYaml(src: string): Record<string, Value> | undefined {
  const lines = src.split("\n");
  // Trailing lines of spaces only (the envelope's padding) end the document.
  let end = lines.length;
  while (end > 0 && (lines[end - 1] as string).trim() === "") end -= 1;
  const out: Record<string, Value> = {};
  let i = 0;
  while (i < end) {
    const line = lines[i] as string;
    const m = KEY.exec(line);
    if (!m) return undefined;
    const key = m[1] as string;
    if (Object.hasOwn(out, key) || key === "__proto__") return undefined;
    i += 1;
    if (m[2] !== undefined) {
      const v = scalar(m[2]);
      if (v === undefined) return undefined;
      out[key] = v;
      continue;
    }
    // A block under the key: a list of scalars or a mapping of scalars, indented by two.
    const first = lines[i];
    if (first === undefined || i >= end) return undefined;
    if (first.startsWith("  - ")) {
      const list: Value[] = [];
      while (i < end && (lines[i] as string).startsWith("  - ")) {
        const v = scalar((lines[i] as string).slice(4));
        if (v === undefined || typeof v === "object") return undefined;
        list.push(v);
        i += 1;
      }
      out[key] = list;
      continue;
    }
    if (!first.startsWith("  ") || first.startsWith("   ")) return undefined;
    const map: Record<string, Value> = {};
    while (i < end && (lines[i] as string).startsWith("  ")) {
      const l = lines[i] as string;
      if (l.startsWith("   ")) return undefined;
      const k = KEY.exec(l.slice(2));
      if (!k || k[2] === undefined || Object.hasOwn(map, k[1] as string) || k[1] === "__proto__") return undefined;
      const v = scalar(k[2]);
      if (v === undefined) return undefined;
      map[k[1] as string] = v;
      i += 1;
    }
    out[key] = map;
  }
  return out;
}
