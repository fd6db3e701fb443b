/**
 * `--json` output of every list/show/add command of the foundation parses, and keeps stable
 * field names: a golden of shapes, with ids, dates, instants, hashes and paths masked.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { inprocSandbox, type Inproc } from "../support/inproc.js";

export function shape(v: unknown): unknown {
  if (v === null) return "null";
  if (Array.isArray(v)) return v.length === 0 ? [] : [shape(v[0])];
  if (typeof v === "object") {
    const o = v as Record<string, unknown>;
    return Object.fromEntries(Object.keys(o).sort().map((k) => [k, shape(o[k])]));
  }
  if (typeof v === "string") {
    const id = /^(cl|nt|md|dx|cs|ds)_[a-z2-7]{26}$/.exec(v);
    if (id) return `<${id[1]}-id>`;
    if (/^\d{4}-\d{2}-\d{2}$/.test(v)) return "<date>";
    if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/.test(v)) return "<instant>";
    if (/^sha256:[0-9a-f]{64}$/.test(v)) return "<sha256>";
    if (/^age1[0-9a-z]{58}$/.test(v)) return "<recipient>";
    if (v.startsWith("/")) return "<path>";
    return "string";
  }
  return typeof v;
}

let sb: Inproc;
const out: Record<string, unknown> = {};
const json = async (args: string[], input?: string) => {
  const text = await sb.ok([...args, "--json"], input === undefined ? undefined : { input });
  return JSON.parse(text) as unknown;
};

beforeAll(async () => {
  sb = await inprocSandbox();
  out["init (again)"] = await json(["init", sb.repo]);
  out["key show"] = await json(["key", "show"]);
  const add = (await json(["client", "add", "--name", "Ann Lee", "--preferred-name", "Annie", "--pronouns", "she/her", "--dob", "1990-02-03", "--email", "ann@example.org", "--phone", "+1 555 0100", "--emergency-contact", "Bo Lee 555 0101"])) as { id: string };
  out["client add"] = add;
  out["client edit"] = await json(["client", "edit", add.id, "--pronouns", "they/them"]);
  out["client edit (no change)"] = await json(["client", "edit", add.id, "--pronouns", "they/them"]);
  const n = (await json(["note", "add", add.id, "-m", "Slept better.", "--duration", "50", "--cpt", "90837", "--label", "SUD", "--date", "2024-01-02"])) as { id: string };
  out["note add"] = n;
  out["note edit"] = await json(["note", "edit", n.id, "-m", "Slept much better."]);
  out["note sign"] = await json(["note", "sign", n.id]);
  out["note amend"] = await json(["note", "amend", n.id, "-m", "Correction: the session was 45 minutes."]);
  await json(["note", "add", add.id, "--kind", "psychotherapy", "-F", "-"], "process notes");
  out["note list"] = await json(["note", "list", add.id]);
  out["note list --psychotherapy"] = await json(["note", "list", add.id, "--psychotherapy"]);
  out["note show"] = await json(["note", "show", n.id]);
  out["note templates"] = await json(["note", "templates"]);
  out["client list"] = await json(["client", "list"]);
  out["client show"] = await json(["client", "show", add.id]);
  out["client discharge"] = await json(["client", "discharge", add.id, "--reason", "completed"]);
  out["client list --all"] = await json(["client", "list", "--all"]);
});

const CLIENT = {
  admitted: "<date>",
  client: "<cl-id>",
  created: "<instant>",
  dob: "<date>",
  email: "string",
  emergencyContact: "string",
  id: "<cl-id>",
  kind: "string",
  name: "string",
  phone: "string",
  preferredName: "string",
  pronouns: "string",
  status: "string",
  updated: "<instant>",
};
const SIGNED = { at: "<instant>", by: "string", hash: "<sha256>", key: "<recipient>" };
const NOTE = {
  body: "string",
  client: "<cl-id>",
  created: "<instant>",
  cpt: "string",
  date: "<date>",
  duration: "number",
  id: "<nt-id>",
  kind: "string",
  labels: ["string"],
  signed: SIGNED,
  status: "string",
  template: "string",
  type: "string",
  updated: "<instant>",
};
const ADDENDUM = { addendumTo: "<nt-id>", body: "string", client: "<cl-id>", created: "<instant>", date: "<date>", id: "<nt-id>", kind: "string", labels: ["string"], signed: SIGNED, status: "string", template: "string", type: "string" };

const GOLDEN: Record<string, unknown> = {
  "init (again)": { created: "boolean", fingerprint: "string", identity: "<path>", identityCreated: "boolean", recipient: "<recipient>", root: "<path>", signingKey: "string" },
  "key show": {
    addLine: "string",
    identity: { path: "<path>", recipient: "<recipient>" },
    protection: { agent: "null", protected: "boolean" },
    recipients: [{ label: "string", recipient: "<recipient>", yours: "boolean" }],
    signers: [{ fingerprint: "string", label: "string", principal: "<recipient>", publicKey: "string", retired: "null", yours: "boolean" }],
    signingKey: { fingerprint: "string", publicKey: "string" },
    trusted: "boolean",
  },
  "client add": { id: "<cl-id>" },
  "client edit": { changed: "boolean", id: "<cl-id>" },
  "client edit (no change)": { changed: "boolean", id: "<cl-id>" },
  "client discharge": { discharged: "<date>", id: "<cl-id>", status: "string" },
  "client list": [CLIENT],
  "client list --all": [{ ...CLIENT, discharged: "<date>", dischargeReason: "string" }],
  "note add": { client: "<cl-id>", id: "<nt-id>", status: "string" },
  "note edit": { changed: "boolean", id: "<nt-id>" },
  "note sign": { id: "<nt-id>", signed: SIGNED, status: "string" },
  "note amend": { addendumTo: "<nt-id>", id: "<nt-id>" },
  "note list": [{ ...NOTE, addenda: "number" }],
  "note list --psychotherapy": [{ addenda: "number", body: "string", client: "<cl-id>", created: "<instant>", date: "<date>", id: "<nt-id>", kind: "string", status: "string", template: "string", type: "string" }],
  "note show": { ...NOTE, addenda: [ADDENDUM] },
  "note templates": [{ description: "string", name: "string", type: "string" }],
};

describe("--json output", () => {
  for (const [name, golden] of Object.entries(GOLDEN)) {
    it(`${name}: stable field names`, () => {
      expect(shape(out[name])).toEqual(golden);
    });
  }

  it("client show: the profile fields and the derived ones (other sections may add keys)", () => {
    const s = shape(out["client show"]) as Record<string, unknown>;
    const base = { ...CLIENT, lastService: "<date>", notes: "number", psychotherapyNotes: "number", retainUntil: "<date>" };
    for (const [k, v] of Object.entries(base)) expect(s[k], k).toEqual(v);
    const extra = Object.keys(s).filter((k) => !(k in base));
    for (const k of extra) expect(Array.isArray(s[k]) || typeof s[k] === "object", k).toBe(true);
  });

  it("values, not just names: kinds, statuses, counts, and no envelope internals", () => {
    const show = out["note show"] as { kind: string; type: string; status: string; addenda: { type: string }[]; chart?: unknown; mac?: unknown };
    expect([show.kind, show.type, show.status]).toEqual(["note", "progress", "signed"]);
    expect(show.addenda.map((a) => a.type)).toEqual(["addendum"]);
    expect(show.chart).toBeUndefined();
    expect(show.mac).toBeUndefined();
    const list = out["note list"] as { addenda: number; type: string }[];
    expect(list.map((n) => [n.type, n.addenda])).toEqual([["progress", 1]]); // psychotherapy kept apart
    expect((out["note list --psychotherapy"] as { type: string }[]).map((n) => n.type)).toEqual(["psychotherapy"]);
    const cs = out["client show"] as Record<string, unknown>;
    expect([cs.notes, cs.psychotherapyNotes, cs.lastService]).toEqual([1, 1, (out["note list --psychotherapy"] as { date: string }[])[0]?.date]);
    expect((out["init (again)"] as { created: boolean }).created).toBe(false);
    expect((out["client edit (no change)"] as { changed: boolean }).changed).toBe(false);
    expect((out["client list"] as unknown[]).length).toBe(1);
  });
});
