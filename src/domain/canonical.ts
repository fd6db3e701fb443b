/** Canonical JSON: object keys sorted, no whitespace, undefined fields dropped. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") {
    if (value === undefined) return "null";
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) {
    // A list of plain values (the access log's thousands of record names) is JSON.stringify's own
    // text, made in one piece instead of one string per item and a join.
    if (scalars(value)) return JSON.stringify(value);
    return `[${value.map(canonicalJson).join(",")}]`;
  }
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort();
  // Joined with +, not map and join: a long member (a list of paths) is not copied into a
  // second string before the whole is flattened once.
  let out = "{";
  for (const [i, k] of keys.entries()) out += `${i > 0 ? "," : ""}${JSON.stringify(k)}:` + canonicalJson(obj[k]);
  return `${out}}`;
}

/** Every item a string, finite or not number, boolean or null, and no holes: JSON.stringify's text is canonical. */
function scalars(list: readonly unknown[]): boolean {
  for (let i = 0; i < list.length; i += 1) {
    const x = list[i];
    if (x !== null && typeof x !== "string" && typeof x !== "number" && typeof x !== "boolean") return false;
  }
  return true;
}
