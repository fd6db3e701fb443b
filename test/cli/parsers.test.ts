/**
 * The commands' option parsers (src/cli/command.ts): pure functions from commander's arguments
 * and options to a typed input. No IO here: no chart, no clock, no files.
 */
import { describe, expect, it } from "vitest";
import { ChartError } from "../../src/domain/errors.js";
import { print } from "../../src/cli/command.js";
import type { Output } from "../../src/cli/output.js";
import { arg, optFlag, optList, optString, optText } from "../../src/cli/options.js";
import { parseShare } from "../../src/cli/commands/share.js";
import { parseDisclosureAdd, parseDisclosureReport, parseDisclosures } from "../../src/cli/commands/disclosures.js";
import { parseAccessDeny, parseAccessFulfil, parseAccessList, parseAccessRequest } from "../../src/cli/commands/access.js";
import { parseExport } from "../../src/cli/commands/export.js";
import { parseVoid } from "../../src/cli/commands/void.js";
import { parseTimeline } from "../../src/cli/commands/timeline.js";
import { parseSuperbill } from "../../src/cli/commands/superbill.js";
import { parseTemplate } from "../../src/cli/commands/template.js";
import { parseClientMerge } from "../../src/cli/commands/client-merge.js";
import { parseNoteResolve } from "../../src/cli/commands/note-resolve.js";
import { parseInit } from "../../src/cli/commands/init.js";
import { parseAmendmentDeny, parseAmendmentList, parseAmendmentRef, parseAmendmentRequest } from "../../src/cli/commands/amendment.js";
import { parseDxAdd, parseDxEdit, parseDxHistory, parseDxList, parseDxStatus } from "../../src/cli/commands/dx.js";
import { parseClientAdd, parseClientDischarge, parseClientEdit, parseClientList, parseClientReadmit } from "../../src/cli/commands/client.js";
import { parseNoteAdd, parseNoteEdit, parseNoteList, parseNoteMove, parseNoteRef, parseNoteSign } from "../../src/cli/commands/note.js";
import { parseMedAdd, parseMedEdit, parseMedHistory, parseMedList, parseMedStop } from "../../src/cli/commands/med.js";
import { parseAccessLog } from "../../src/cli/commands/access-log.js";
import { parsePracticeSet } from "../../src/cli/commands/practice.js";
import { parseSearch } from "../../src/cli/commands/search.js";
import { parseFsck } from "../../src/cli/commands/fsck.js";
import { parseImportCommand } from "../../src/cli/commands/import.js";
import { parseCompletion } from "../../src/cli/commands/completion.js";
import { parseTextconv } from "../../src/cli/commands/textconv.js";
import { parseKeyAdd, parseKeyRemove, parseKeyRotate, parseKeyTrust } from "../../src/cli/commands/key.js";
import { parseKeyProtect } from "../../src/cli/commands/key-protect.js";
import { parseUnlock } from "../../src/cli/commands/unlock.js";
import { parseJoin, parseRemoteAdd, parseSync } from "../../src/cli/commands/sync.js";
import { parseConsentAdd, parseConsentList, parseConsentRevoke, parseConsentShow } from "../../src/cli/commands/consent.js";

/** The error a call throws (fails the test when it throws none). */
function thrown(fn: () => unknown): ChartError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ChartError);
    return e as ChartError;
  }
  throw new Error("expected an error");
}
const usage = (fn: () => unknown) => {
  const e = thrown(fn);
  expect(e.exit).toBe(2);
  return e;
};

describe("option readers", () => {
  it("read commander's values typed, without casts", () => {
    expect(optString({ a: "x" }, "a")).toBe("x");
    expect(optString({}, "a")).toBeUndefined();
    expect(optList({ a: ["x", "y"] }, "a")).toEqual(["x", "y"]);
    expect(optList({ a: "x" }, "a")).toEqual(["x"]);
    expect(optList({}, "a")).toEqual([]);
    expect(optFlag({ a: true }, "a")).toBe(true);
    expect(optFlag({ a: "true" }, "a")).toBe(false);
    expect(optText({ a: "  x " }, "a", "--a")).toBe("x");
    expect(thrown(() => optText({ a: " " }, "a", "--a")).code).toBe("E_EMPTY_VALUE");
    expect(arg(["c"], 0, "CLIENT")).toBe("c");
    expect(usage(() => arg([], 0, "CLIENT")).code).toBe("E_USAGE");
  });
});

describe("print: text or --json in one place", () => {
  const fake = (json: boolean) => {
    const lines: string[] = [];
    const data: unknown[] = [];
    return { out: { json, line: (t = "") => lines.push(t), data: (v: unknown) => data.push(v) } as unknown as Output, lines, data };
  };
  const spec = { text: (out: Output, r: { id: string }) => out.line(r.id), json: (r: { id: string }) => ({ ID: r.id }) };
  it("prints the text form without --json and the JSON form with it", () => {
    const t = fake(false);
    print(t.out, spec, { id: "a" });
    expect(t.lines).toEqual(["a"]);
    expect(t.data).toEqual([]);
    const j = fake(true);
    print(j.out, spec, { id: "a" });
    expect(j.data).toEqual([{ ID: "a" }]);
    expect(j.lines).toEqual([]);
  });
  it("prints the result itself as JSON when the command has no JSON form", () => {
    const j = fake(true);
    print(j.out, { text: () => undefined }, { id: "a" });
    expect(j.data).toEqual([{ id: "a" }]);
  });
});

describe("consent", () => {
  it("add: options to a typed input, dates kept as typed", () => {
    const i = parseConsentAdd(["ada"], { to: " Dr B ", purpose: ["care", " "], share: ["notes,diagnoses"], expiresOn: "discharge", signed: "today", nameless: true });
    expect(i).toMatchObject({ client: "ada", to: "Dr B", purposes: ["care"], categories: ["diagnoses", "notes"], expiresOn: "discharge", dates: { signed: "today" }, nameless: true });
  });
  it("add: refuses a blank value, an unknown category or expiry event (exit 3, as before)", () => {
    expect(thrown(() => parseConsentAdd(["ada"], { to: " " })).code).toBe("E_EMPTY_VALUE");
    expect(thrown(() => parseConsentAdd(["ada"], { share: ["gossip"] })).code).toBe("E_CONSENT_CATEGORY");
    expect(thrown(() => parseConsentAdd(["ada"], { expiresOn: "never" })).code).toBe("E_CONSENT_EXPIRY_EVENT");
  });
  it("list: --active and --all", () => {
    expect(parseConsentList(["ada"], { all: true })).toEqual({ client: "ada", active: false, all: true });
  });
  it("show: CONSENT or CLIENT CONSENT; more is a usage error (exit 2)", () => {
    expect(parseConsentShow(["cs_ab3"])).toEqual({ consent: "cs_ab3" });
    expect(parseConsentShow(["ada", "cs_ab3"])).toEqual({ client: "ada", consent: "cs_ab3" });
    usage(() => parseConsentShow(["a", "b", "c"]));
    usage(() => parseConsentShow([]));
  });
  it("revoke: client, consent, date as typed, reason", () => {
    expect(parseConsentRevoke(["ada", "cs_1"], { date: "yesterday", reason: " moved " })).toEqual({ client: "ada", consent: "cs_1", date: "yesterday", reason: "moved" });
    usage(() => parseConsentRevoke(["ada"], {}));
  });
});

describe("share", () => {
  it("options to a typed input", () => {
    const i = parseShare(["ada"], { consent: "cs_1", out: "dir", format: ["pdf,json"], yes: true, message: "hi" });
    expect(i).toMatchObject({ client: "ada", consent: "cs_1", out: "dir", formats: ["pdf", "json"], replace: true, dryRun: false, letter: { message: "hi" } });
    expect(parseShare(["ada"], {}).formats.length).toBeGreaterThan(0);
  });
  it("usage errors exit 2: exclusive protections, --letter with -m, an unknown format", () => {
    usage(() => parseShare(["ada"], { encryptTo: ["age1x"], passphrase: true }));
    usage(() => parseShare(["ada"], { passphrase: true, plaintext: true }));
    usage(() => parseShare(["ada"], { letter: "f", message: "m" }));
    expect(usage(() => parseShare(["ada"], { format: ["docx"] })).code).toBe("E_SHARE_FORMAT");
    usage(() => parseShare([], {}));
  });
});

describe("note", () => {
  it("add: checks what the user typed before any editor opens", () => {
    expect(parseNoteAdd(["ada"], { kind: "intake", duration: "53", cpt: "90837", label: ["sud"], message: ["a", "b"], sign: true })).toMatchObject({
      client: "ada", kind: "intake", duration: 53, cpt: "90837", labels: ["SUD"], text: { message: ["a", "b"] }, sign: true,
    });
    expect(thrown(() => parseNoteAdd(["ada"], { kind: "novel" })).exit).toBe(3);
    expect(thrown(() => parseNoteAdd(["ada"], { duration: "ten" })).exit).toBe(3);
    usage(() => parseNoteAdd(["ada"], { message: ["a"], file: "-" }));
  });
  it("list: a client or --all-clients, a positive --limit (usage errors exit 2)", () => {
    expect(parseNoteList(["ada"], { limit: "3", unsigned: true })).toMatchObject({ client: "ada", limit: 3, unsigned: true, allClients: false });
    usage(() => parseNoteList([], {}));
    usage(() => parseNoteList(["ada"], { allClients: true }));
    usage(() => parseNoteList(["ada"], { limit: "0" }));
    usage(() => parseNoteList(["ada"], { limit: "x" }));
    expect(thrown(() => parseNoteList(["ada"], { kind: "psychotherapy" })).code).toBe("E_PSYCHOTHERAPY_APART");
  });
  it("show/edit/amend take NOTE or CLIENT NOTE; sign takes several", () => {
    expect(parseNoteRef(["nt_1"])).toEqual({ note: "nt_1" });
    expect(parseNoteRef(["ada", "nt_1"])).toEqual({ client: "ada", note: "nt_1" });
    usage(() => parseNoteRef(["a", "b", "c"]));
    expect(parseNoteSign(["a", "b", "c"])).toEqual({ refs: ["a", "b", "c"] });
    usage(() => parseNoteSign([]));
  });
  it("edit: fields alone need no editor", () => {
    expect(parseNoteEdit(["nt_1"], { cpt: "90834" }).metaOnly).toBe(true);
    expect(parseNoteEdit(["nt_1"], { cpt: "90834", message: ["x"] }).metaOnly).toBe(false);
    expect(parseNoteEdit(["nt_1"], {}).metaOnly).toBe(false);
  });
  it("move: --to is required (exit 2)", () => {
    expect(usage(() => parseNoteMove(["nt_1"], {})).code).toBe("E_MISSING");
    expect(parseNoteMove(["nt_1"], { to: "bob", yes: true })).toEqual({ note: "nt_1", to: "bob", reason: undefined, yes: true });
  });
});

describe("med", () => {
  it("add: name required, --start the old name of --date, fields trimmed", () => {
    expect(parseMedAdd(["ada", " sertraline "], { start: "2024-01-02", dose: " 50 mg " })).toMatchObject({ name: "sertraline", date: "2024-01-02", fields: { dose: "50 mg" } });
    expect(thrown(() => parseMedAdd(["ada", " "], {})).code).toBe("E_MED_NAME");
    expect(thrown(() => parseMedAdd(["ada", "x"], { dose: " " })).code).toBe("E_EMPTY_VALUE");
  });
  it("edit: nothing to change is a usage error (exit 2)", () => {
    expect(usage(() => parseMedEdit(["ada", "sert"], {})).code).toBe("E_MED_NO_CHANGE");
    expect(parseMedEdit(["ada", "sert"], { dose: "100 mg" })).toMatchObject({ med: "sert", fields: { dose: "100 mg" } });
  });
  it("stop, list, history", () => {
    expect(parseMedStop(["ada", "sert"], { date: "today" })).toMatchObject({ client: "ada", med: "sert", date: "today" });
    usage(() => parseMedStop(["ada"], {}));
    expect(parseMedList(["ada"], { all: true })).toEqual({ client: "ada", all: true });
    expect(parseMedHistory(["ada"])).toEqual({ client: "ada", med: undefined });
  });
});

describe("dx", () => {
  it("add: the code normalised, status checked, --no-auto-label refused (exit 2)", () => {
    expect(parseDxAdd(["ada", "f411"], { status: "Provisional", label: ["psy"] })).toMatchObject({ client: "ada", code: "F41.1", status: "provisional", labels: ["PSY"], withoutLabels: [] });
    expect(parseDxAdd(["ada", "F41.1"], {}).status).toBe("active");
    expect(thrown(() => parseDxAdd(["ada", "F41.1"], { status: "resolved" })).code).toBe("E_DX_BAD_STATUS");
    expect(usage(() => parseDxAdd(["ada", "F10.20"], { autoLabel: false })).code).toBe("E_AUTO_LABEL_ALWAYS");
    expect(thrown(() => parseDxAdd(["ada", "not a code"], {})).exit).toBe(3);
  });
  it("edit: --primary / --no-primary, nothing to change is exit 2", () => {
    expect(parseDxEdit(["ada", "F41.1"], { primary: false })).toMatchObject({ primary: false });
    expect(parseDxEdit(["ada", "F41.1"], { status: "active" })).toMatchObject({ primary: undefined, status: "active" });
    expect(usage(() => parseDxEdit(["ada", "F41.1"], {})).code).toBe("E_DX_NO_CHANGE");
  });
  it("resolve, list, history", () => {
    expect(parseDxStatus(["ada", "f411"], { date: "today" })).toEqual({ client: "ada", code: "F41.1", date: "today", allowFuture: false });
    expect(parseDxList(["ada"], {})).toEqual({ client: "ada", all: false });
    expect(parseDxHistory(["ada", "f41"])).toEqual({ client: "ada", code: "F41" });
    usage(() => parseDxStatus(["ada"], {}));
  });
});

describe("client", () => {
  it("profile flags as given; dates and checks wait for the chart's today", () => {
    expect(parseClientAdd([], { name: " Ada ", dob: "1990-01-02", admitted: "yesterday", json: true })).toEqual({ profile: { name: " Ada ", dob: "1990-01-02" }, admitted: "yesterday" });
    expect(parseClientAdd([], { date: "today", admitted: "yesterday" }).admitted).toBe("today");
    expect(parseClientEdit(["ada"], { phone: "555" })).toEqual({ client: "ada", profile: { phone: "555" } });
    expect(parseClientList([], { all: true })).toEqual({ all: true });
    expect(parseClientDischarge(["ada"], { date: "today", reason: "done" })).toEqual({ client: "ada", date: "today", reason: "done" });
    expect(parseClientReadmit(["ada"], {})).toEqual({ client: "ada", date: undefined });
    usage(() => parseClientEdit([], {}));
  });
});

describe("disclosures, access, export", () => {
  it("disclosures: a client is required (exit 2); add checks its texts; report needs --out or --dry-run (exit 2)", () => {
    usage(() => parseDisclosures([], {}));
    expect(parseDisclosures(["adam"], { all: true })).toEqual({ client: "adam", since: undefined, all: true });
    expect(parseDisclosureAdd(["ada"], { to: " Court ", purpose: ["order"], description: "notes", basis: "judicial" })).toMatchObject({ recipient: { name: "Court" }, purposes: ["order"], basis: "judicial" });
    usage(() => parseDisclosureAdd(["ada"], { to: " ", purpose: ["x"], description: "d", basis: "judicial" }));
    usage(() => parseDisclosureReport(["ada"], {}));
    expect(parseDisclosureReport(["ada"], { dryRun: true })).toMatchObject({ dryRun: true, out: undefined });
  });
  it("access: fulfil needs exactly one protection and --out (exit 2); deny needs --private (exit 2) and a reason (exit 3)", () => {
    usage(() => parseAccessFulfil(["ada", "ar_1"], { out: "d" }));
    usage(() => parseAccessFulfil(["ada", "ar_1"], { out: "d", plaintext: true, passphrase: true }));
    expect(usage(() => parseAccessFulfil(["ada", "ar_1"], { plaintext: true })).code).toBe("E_MISSING");
    expect(parseAccessFulfil(["ada", "ar_1"], { out: "d", plaintext: true, format: ["pdf"] })).toMatchObject({ out: "d", plaintext: true, formats: ["pdf"] });
    usage(() => parseAccessDeny(["ada", "ar_1"], { reason: "x" }));
    expect(thrown(() => parseAccessDeny(["ada", "ar_1"], { private: true })).code).toBe("E_ACCESS_REASON");
    expect(parseAccessRequest(["ada"], { note: "  by mail " })).toMatchObject({ client: "ada", note: "by mail" });
    expect(parseAccessList([], { all: true })).toEqual({ client: undefined, all: true });
    expect(parseAccessRequest(["ada"], { date: "-3d" }).received).toBe("-3d");
    expect(parseAccessRequest(["ada"], { received: "-2d" }).received).toBe("-2d");
  });
  it("export: exclusive options and folder formats without --out are usage errors (exit 2)", () => {
    usage(() => parseExport([], { client: ["ada"], all: true }));
    usage(() => parseExport([], { encryptTo: ["age1x"], passphrase: true }));
    usage(() => parseExport([], { month: "2024-01", since: "2024-01-01" }));
    expect(usage(() => parseExport([], { format: "pdf" })).code).toBe("E_EXPORT_OUT");
    expect(parseExport([], { format: "csv", table: "sessions" })).toMatchObject({ format: "csv", table: "sessions" });
    expect(parseExport([], { month: "2024-02" }).range).toEqual({ month: { since: "2024-02-01", until: "2024-02-29" } });
  });
});

describe("amendment", () => {
  it("request needs --note (exit 2) and a --text (exit 3); deny needs a --reason", () => {
    expect(usage(() => parseAmendmentRequest(["ada"], { text: "x" })).code).toBe("E_MISSING");
    expect(thrown(() => parseAmendmentRequest(["ada"], { note: "nt_1" })).code).toBe("E_EMPTY_VALUE");
    expect(parseAmendmentRequest(["ada"], { note: "nt_1", text: " fix " })).toEqual({ client: "ada", note: "nt_1", text: "fix", received: undefined });
    expect(thrown(() => parseAmendmentDeny(["ada", "am_1"], {})).code).toBe("E_EMPTY_VALUE");
    expect(parseAmendmentDeny(["ada", "am_1"], { reason: "accurate", statement: " no " })).toEqual({ client: "ada", request: "am_1", reason: "accurate", statement: "no" });
    usage(() => parseAmendmentRef(["ada"]));
    expect(parseAmendmentList([], {})).toEqual({ client: undefined, all: false });
    expect(parseAmendmentRequest(["ada"], { note: "n", text: "t", date: "today" }).received).toBe("today");
  });
});

describe("void, timeline, superbill, template, client merge", () => {
  it("void: the record, a reason, -y", () => {
    expect(parseVoid(["nt_1"], { reason: "wrong", yes: true })).toEqual({ record: "nt_1", reason: "wrong", yes: true });
    usage(() => parseVoid([], {}));
  });
  it("timeline: kinds checked, --all for a discharged client", () => {
    expect(parseTimeline(["ada"], { kind: ["note,dx"], all: true })).toMatchObject({ client: "ada", kinds: ["note", "dx"], all: true, reverse: false });
    expect(parseTimeline(["ada"], {}).kinds).toBeUndefined();
  });
  it("superbill: --out required (exit 2), the month checked", () => {
    expect(usage(() => parseSuperbill(["ada"], { month: "2024-03" })).code).toBe("E_USAGE");
    expect(parseSuperbill(["ada"], { month: "2024-03", out: "d" })).toEqual({ client: "ada", month: "2024-03", out: "d", yes: false });
    expect(thrown(() => parseSuperbill(["ada"], { month: "March", out: "d" })).exit).toBeGreaterThan(1);
  });
  it("template: the name checked; client merge: --into required (exit 2)", () => {
    expect(parseTemplate(["couples-intake"], { file: "-" })).toEqual({ name: "couples-intake", file: "-" });
    expect(() => parseTemplate(["Bad Name"], {})).toThrow(ChartError);
    expect(usage(() => parseClientMerge(["cl_dup"], {})).code).toBe("E_MISSING");
    expect(parseClientMerge(["cl_dup"], { into: "ada", yes: true })).toEqual({ duplicate: "cl_dup", into: "ada", yes: true });
  });
});

describe("note resolve", () => {
  it("--keep or the merged text, not both (exit 2); NOTE or CLIENT NOTE", () => {
    usage(() => parseNoteResolve(["nt_1"], { keep: "2", message: ["x"] }));
    usage(() => parseNoteResolve(["a", "b", "c"], {}));
    expect(parseNoteResolve(["ada", "nt_1"], { keep: "2" })).toMatchObject({ client: "ada", note: "nt_1", keep: "2", merged: false });
    expect(parseNoteResolve(["nt_1"], { file: "-" })).toMatchObject({ note: "nt_1", merged: true, text: { file: "-" } });
  });
});

describe("init", () => {
  it("the folder defaults to the working directory; an empty --label means the default", () => {
    expect(parseInit([], { label: "" })).toEqual({ dir: ".", label: undefined, postQuantum: false });
    expect(parseInit(["c"], { label: "laptop", postQuantum: true })).toEqual({ dir: "c", label: "laptop", postQuantum: true });
  });
});

describe("access-log", () => {
  it("--client, --since as typed; --limit a positive whole number, as on every listing (else exit 2)", () => {
    expect(parseAccessLog([], {})).toEqual({ client: undefined, since: undefined, limit: undefined });
    expect(parseAccessLog([], { client: "ada", since: "yesterday", limit: "5" })).toEqual({ client: "ada", since: "yesterday", limit: 5 });
    usage(() => parseAccessLog([], { limit: "0" }));
    usage(() => parseAccessLog([], { limit: "x" }));
  });
});

describe("practice", () => {
  it("set: fields as typed, --unset by flag or field name", () => {
    expect(parsePracticeSet([], { name: "Clinic", unset: ["license-state", "npi"] })).toEqual({ given: { name: "Clinic" }, unset: ["licenseState", "npi"] });
    expect(parsePracticeSet([], { statements: "s.txt" }).given).toEqual({ statements: "s.txt" });
  });
  it("set: nothing to set, an unknown field, a field both set and unset are usage errors (exit 2)", () => {
    usage(() => parsePracticeSet([], {}));
    usage(() => parsePracticeSet([], { unset: ["colour"] }));
    usage(() => parsePracticeSet([], { npi: "1234567893", unset: ["npi"] }));
  });
});

describe("search", () => {
  it("words, kinds, dates as typed, limit", () => {
    const i = parseSearch(["sleep", "insom*"], { kind: ["note,med"], client: "ada", since: "-3d", psychotherapy: true, limit: "2" });
    expect(i).toMatchObject({ client: "ada", kinds: ["note", "med"], since: "-3d", psychotherapy: true, limit: 2 });
    expect(parseSearch(["sleep"], {}).kinds).toBeUndefined();
  });
  it("usage errors exit 2: no words, an unknown kind, a bad --limit", () => {
    usage(() => parseSearch(["  "], {}));
    usage(() => parseSearch(["sleep"], { kind: ["letters"] }));
    usage(() => parseSearch(["sleep"], { limit: "0" }));
  });
});

describe("fsck", () => {
  it("flags only", () => {
    expect(parseFsck([], {})).toEqual({ decrypt: false, repair: false, adopt: false, yes: false });
    expect(parseFsck([], { repair: true, adopt: true, yes: true })).toEqual({ decrypt: false, repair: true, adopt: true, yes: true });
  });
});

describe("import", () => {
  it("FILE or -, with --dry-run, --allow-future, --auto-label", () => {
    expect(parseImportCommand(["-"], { dryRun: true })).toEqual({ file: "-", dryRun: true, allowFuture: false, autoLabel: false });
    expect(parseImportCommand(["a.jsonl"], { allowFuture: true, autoLabel: true })).toEqual({ file: "a.jsonl", dryRun: false, allowFuture: true, autoLabel: true });
    usage(() => parseImportCommand([], {}));
  });
});

describe("completion and textconv", () => {
  it("completion: bash, zsh or fish; another shell is a usage error (exit 2)", () => {
    expect(parseCompletion(["zsh"])).toEqual({ shell: "zsh" });
    expect(usage(() => parseCompletion(["tcsh"])).message).toContain("tcsh");
    usage(() => parseCompletion([]));
  });
  it("textconv: the file git hands over", () => {
    expect(parseTextconv(["/tmp/x.age"])).toEqual({ file: "/tmp/x.age" });
    usage(() => parseTextconv([]));
  });
  it("a document prints as text with --json too", () => {
    const lines: string[] = [];
    const out = { json: true, text: (t: string) => lines.push(t), data: () => lines.push("data") } as unknown as Output;
    print(out, { text: (o: Output, r: string) => o.text(r), document: true }, "script");
    expect(lines).toEqual(["script"]);
  });
});

describe("key", () => {
  const pub = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl";
  it("add: recipient and label trimmed, the signing key cut to its type and key", () => {
    expect(parseKeyAdd([" age1abc "], { label: " laptop " })).toEqual({ recipient: "age1abc", label: "laptop", signingKey: undefined });
    expect(parseKeyAdd(["age1abc"], { label: "l", signingKey: `  ${pub} me@host` }).signingKey).toBe(pub);
  });
  it("add: a blank or two-line label, a signing key that is not Ed25519 (exit 3, as before)", () => {
    expect(thrown(() => parseKeyAdd(["age1abc"], { label: " " })).code).toBe("E_KEY_LABEL");
    expect(thrown(() => parseKeyAdd(["age1abc"], { label: "a\nb" })).code).toBe("E_KEY_LABEL");
    expect(thrown(() => parseKeyAdd(["age1abc"], { label: "l", signingKey: "ssh-rsa AAAA" })).code).toBe("E_SIGNING_KEY_FORMAT");
    usage(() => parseKeyAdd([], { label: "l" }));
  });
  it("trust, remove, rotate, protect: flags and the key named", () => {
    expect(parseKeyTrust([], { history: true })).toEqual({ yes: false, history: true });
    expect(parseKeyRemove(["laptop"], { yes: true })).toEqual({ key: "laptop", yes: true });
    usage(() => parseKeyRemove([], {}));
    expect(parseKeyRotate([], { postQuantum: true })).toEqual({ yes: false, postQuantum: true, passphraseStdin: false });
    expect(parseKeyProtect([], { remove: true })).toEqual({ remove: true, passphraseStdin: false });
  });
  it("unlock: --idle and --lifetime as spans, with defaults", () => {
    expect(parseUnlock([], {})).toEqual({ idleMs: 15 * 60_000, lifetimeMs: 8 * 3_600_000, passphraseStdin: false });
    expect(parseUnlock([], { idle: "30s", lifetime: "2h" })).toMatchObject({ idleMs: 30_000, lifetimeMs: 7_200_000 });
    expect(() => parseUnlock([], { idle: "soon" })).toThrow(ChartError);
  });
});

describe("remote, sync, join", () => {
  it("remote add: a usable name and an address (exit 3 otherwise, as before)", () => {
    expect(parseRemoteAdd(["backup", "/mnt/b.git"])).toEqual({ name: "backup", url: "/mnt/b.git" });
    expect(thrown(() => parseRemoteAdd(["-x", "/mnt/b.git"])).code).toBe("E_REMOTE_NAME");
    expect(thrown(() => parseRemoteAdd(["b", "--upload-pack=x"])).code).toBe("E_REMOTE_URL");
    expect(thrown(() => parseRemoteAdd(["b", " "])).code).toBe("E_REMOTE_URL");
    usage(() => parseRemoteAdd(["b"]));
  });
  it("sync: the remote is optional; --no-push", () => {
    expect(parseSync([], {})).toEqual({ remote: undefined, push: true, trustKeys: false });
    expect(parseSync(["backup"], { push: false, trustKeys: true })).toEqual({ remote: "backup", push: false, trustKeys: true });
  });
  it("join: URL [DIR] and the device's options; an option-like URL is refused", () => {
    expect(parseJoin(["/r/chart.git"], { label: "laptop", passphraseStdin: true })).toEqual({
      url: "/r/chart.git", dir: undefined, label: "laptop", postQuantum: false, passphrase: false, passphraseStdin: true,
    });
    expect(parseJoin(["/r/chart.git", "here"], {}).dir).toBe("here");
    expect(thrown(() => parseJoin(["--upload-pack=x"], {})).code).toBe("E_REMOTE_URL");
    usage(() => parseJoin([], {}));
  });
});
