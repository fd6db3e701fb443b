import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { ChartError } from "../../src/domain/errors.js";
import { makeId } from "../../src/domain/ids.js";
import { TEMPLATE_DEFAULT_TYPE, USER_NOTE_TYPES, type NoteRecord } from "../../src/domain/note.js";
import type { BaseRecord } from "../../src/domain/record.js";
import { serialize } from "../../src/store/envelope.js";
import { loadIdentity } from "../../src/store/identity.js";
import { locate } from "../../src/store/locate.js";
import { commitRecords, readKind, readRecord } from "../../src/store/records.js";
import { openChart, type Chart } from "../../src/store/repo.js";
import { listTemplates, loadTemplate, parseTemplate } from "../../src/store/templates.js";
import { inprocSandbox, type Inproc } from "../support/inproc.js";
import { git } from "../support/verify.js";

let sb: Inproc;
let chart: Chart;
let cid: string;
const rnd = () => new Uint8Array(Array.from({ length: 16 }, () => Math.floor(Math.random() * 256)));

const note = (id: string, body: string): NoteRecord => ({
  chart: 1,
  kind: "note",
  id,
  client: cid,
  created: "2024-01-01T00:00:00Z",
  type: "progress",
  template: "free",
  date: "2024-01-01",
  status: "draft",
  body,
});

beforeAll(async () => {
  sb = await inprocSandbox();
  cid = await sb.ok(["client", "add", "--name", "Ann Lee"]);
  chart = await openChart(sb.repo, await loadIdentity(sb.identity), sb.env);
});

describe("records", () => {
  it("commitRecords writes and removes as ONE commit with the given generic message and author", async () => {
    const before = Number(git(sb.repo, ["rev-list", "--count", "HEAD"]));
    const a = makeId("note", rnd());
    const b = makeId("note", rnd());
    const paths = await commitRecords(chart, [note(a, "one\n"), note(b, "two\n")] as BaseRecord[], "chart: add note");
    expect(paths).toEqual([`clients/${cid}/notes/${a}.age`, `clients/${cid}/notes/${b}.age`]);
    expect(Number(git(sb.repo, ["rev-list", "--count", "HEAD"]))).toBe(before + 1);
    expect(git(sb.repo, ["log", "-1", "--format=%an <%ae>|%cn <%ce>|%s"]).trim()).toBe("chart <chart@localhost>|chart <chart@localhost>|chart: add note");
    expect(git(sb.repo, ["show", "--name-status", "--format=", "HEAD"]).trim().split("\n").sort()).toEqual([`A\tclients/${cid}/notes/${a}.age`, `A\tclients/${cid}/notes/${b}.age`].sort());
    await commitRecords(chart, [], "chart: remove note", [`clients/${cid}/notes/${b}.age`]);
    expect(git(sb.repo, ["show", "--name-status", "--format=", "HEAD"]).trim()).toBe(`D\tclients/${cid}/notes/${b}.age`);
    expect(git(sb.repo, ["status", "--porcelain"])).toBe("");
    expect((await readRecord(chart, "note", cid, a)).body).toBe("one\n");
  });

  it("a writer that died after writing but before committing: the next writer commits its complete record", async () => {
    const orphan = makeId("note", rnd());
    const orphanPath = `clients/${cid}/notes/${orphan}.age`;
    // What a writer killed between rename and commit leaves: a whole record, uncommitted,
    // a temp file of its own, and its lock with a pid that no longer runs.
    writeFileSync(join(sb.repo, orphanPath), await chart.cipher.encrypt(serialize(note(orphan, "orphan\n"), orphanPath, chart.macKey)));
    writeFileSync(join(sb.repo, `clients/${cid}/notes/.x.age.tmp-999999-abcd`), "partial");
    writeFileSync(join(chart.gitDir, "chart.lock"), "999999 deadbeef\n");
    const before = Number(git(sb.repo, ["rev-list", "--count", "HEAD"]));
    const next = makeId("note", rnd());
    await commitRecords(chart, [note(next, "next\n")] as BaseRecord[], "chart: add note");
    expect(Number(git(sb.repo, ["rev-list", "--count", "HEAD"]))).toBe(before + 2);
    expect(git(sb.repo, ["log", "-2", "--format=%s"]).trim().split("\n")).toEqual(["chart: add note", "chart: recover interrupted write"]);
    expect(git(sb.repo, ["status", "--porcelain", "--untracked-files=all"])).toBe("");
    expect((await readRecord(chart, "note", cid, orphan)).body).toBe("orphan\n");
  });

  it("a failed commit puts the files back: the old state, nothing staged", async () => {
    const head = git(sb.repo, ["rev-parse", "HEAD"]);
    const id = makeId("note", rnd());
    // git's index lock held (by someone else) for longer than chart waits: staging fails after
    // the files are written.
    const indexLock = join(chart.gitDir, "index.lock");
    writeFileSync(indexLock, "");
    try {
      await expect(commitRecords(chart, [note(id, "lost?\n")] as BaseRecord[], "chart: add note")).rejects.toBeInstanceOf(ChartError);
    } finally {
      rmSync(indexLock);
    }
    expect(git(sb.repo, ["rev-parse", "HEAD"])).toBe(head);
    expect(git(sb.repo, ["status", "--porcelain", "--untracked-files=all"])).toBe("");
  });

  it("nothing to write makes no commit", async () => {
    const head = git(sb.repo, ["rev-parse", "HEAD"]);
    expect(await commitRecords(chart, [], "chart: nothing")).toEqual([]);
    expect(git(sb.repo, ["rev-parse", "HEAD"])).toBe(head);
  });

  it("readKind names the files that fail and returns the others", async () => {
    const good = makeId("note", rnd());
    await commitRecords(chart, [note(good, "fine\n")] as BaseRecord[], "chart: add note");
    const bad = `clients/${cid}/notes/${makeId("note", rnd())}.age`;
    writeFileSync(join(sb.repo, bad), "not age at all");
    mkdirSync(join(sb.repo, "clients", cid, "notes"), { recursive: true });
    writeFileSync(join(sb.repo, "clients", cid, "notes", ".hidden.age.tmp-1-abcd"), "temp");
    const { records, failures } = await readKind(chart, "note", cid);
    expect(records.map((r) => r.id)).toContain(good);
    expect(failures.map((f) => [f.path, f.error.code, f.error.exit])).toEqual([[bad, "E_DECRYPT", 6]]);
    const e = await readRecord(chart, "note", cid, bad.slice(-33, -4)).catch((x: unknown) => x);
    expect((e as ChartError).code).toBe("E_DECRYPT");
  });

  it("locate finds by id prefix, refuses short, unknown or ambiguous prefixes", async () => {
    const id = makeId("note", rnd());
    await commitRecords(chart, [note(id, "x\n")] as BaseRecord[], "chart: add note");
    expect(await locate(chart, "note", id.slice(0, 10))).toEqual({ client: cid, id });
    expect(await locate(chart, "note", id.slice(3, 10), cid)).toEqual({ client: cid, id });
    const nf = (await locate(chart, "note", "nt_zzzzzzzz").catch((x: unknown) => x)) as ChartError;
    expect([nf.code, nf.exit]).toEqual(["E_NOTE_NOT_FOUND", 4]);
    const amb = (await locate(chart, "note", "nt_").catch((x: unknown) => x)) as ChartError;
    expect(amb.exit).toBe(4); // "nt_" alone names nothing
  });
});

describe("templates", () => {
  it("the built-in templates all parse, describe themselves, and imply a known kind", async () => {
    const all = await listTemplates();
    const names = all.map((t) => t.name);
    for (const required of ["soap", "dap", "birp", "intake", "treatment-plan", "free", "psychotherapy"]) expect(names).toContain(required);
    for (const t of all) {
      expect(t.description, t.name).not.toBe("");
      expect(USER_NOTE_TYPES, t.name).toContain(t.type);
      if (TEMPLATE_DEFAULT_TYPE[t.name]) expect(t.type, t.name).toBe(TEMPLATE_DEFAULT_TYPE[t.name]);
      expect(t.body.startsWith("---")).toBe(false);
    }
  });

  it("a chart's own template overrides a built-in one; a malformed one is a clear error", async () => {
    const dir = join(sb.repo, ".chart", "templates");
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "soap.md"), "---\ndescription: our SOAP\ntype: progress\n---\n## S\n");
    writeFileSync(join(dir, "broken.md"), "---\ndescription: a: b: c\n---\nx\n");
    expect((await loadTemplate("soap", sb.repo)).description).toBe("our SOAP");
    const e = (await loadTemplate("broken", sb.repo).catch((x: unknown) => x)) as ChartError;
    expect([e.code, e.exit]).toEqual(["E_BAD_TEMPLATE", 3]);
    const unknown = (await loadTemplate("nosuch").catch((x: unknown) => x)) as ChartError;
    expect([unknown.code, unknown.exit]).toEqual(["E_BAD_TEMPLATE", 3]);
    expect(unknown.hint).toContain("soap");
    const traversal = (await loadTemplate("../package").catch((x: unknown) => x)) as ChartError;
    expect(traversal.code).toBe("E_BAD_TEMPLATE");
  });

  it("parseTemplate without front matter keeps the whole text as body", () => {
    expect(parseTemplate("x", "\n\n## A\n")).toEqual({ name: "x", description: "", type: undefined, body: "## A\n" });
    expect(readFileSync(new URL("../../templates/treatment-plan.md", import.meta.url), "utf8")).toContain("description:");
  });
});
