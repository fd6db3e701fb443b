/** FHIR JSON with every attachment's base64 data decoded in place (notes travel as attachments). */
export function fhirText(value: unknown): string {
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === "object") {
      const o = Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
      if (typeof o.data === "string" && typeof o.contentType === "string") o.data = Buffer.from(o.data, "base64").toString("utf8");
      return o;
    }
    return v;
  };
  return JSON.stringify(walk(value));
}
