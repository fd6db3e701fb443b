/** Through the commands: an addendum to a psychotherapy note stays out of `chart timeline`. */
import { rmSync } from "node:fs";
import { afterAll, beforeAll, expect, it } from "vitest";
import { inprocSandbox, type Inproc } from "../support/inproc.js";

let sb: Inproc;
beforeAll(async () => {
  sb = await inprocSandbox();
});
afterAll(() => rmSync(sb.home, { recursive: true, force: true }));

it("timeline and its --json show neither the addendum nor its text without --psychotherapy", async () => {
  const c = await sb.ok(["client", "add", "--name", "Pat Process"]);
  const psy = await sb.ok(["note", "add", c, "-k", "psychotherapy", "-m", "PROCESSSECRET", "--sign"]);
  const add = await sb.ok(["note", "amend", psy, "-m", "ADDENDUMSECRET"]);
  await sb.ok(["note", "add", c, "-m", "ordinary progress", "--sign"]);
  for (const args of [["timeline", c], ["timeline", c, "--json"], ["timeline", c, "-k", "note", "--json"]]) {
    const out = await sb.ok(args);
    expect(out).toContain("ordinary progress");
    expect(out).not.toContain("ADDENDUMSECRET");
    expect(out).not.toContain("PROCESSSECRET");
    expect(out).not.toContain(add.slice(0, 11));
  }
  const all = await sb.ok(["timeline", c, "--psychotherapy", "--json"]);
  expect(all).toContain("ADDENDUMSECRET");
  expect(all).toContain(add);
  expect(await sb.ok(["note", "list", c])).not.toContain("ADDENDUMSECRET");
});

it("a note labelled PSYTHPN is kept apart like a psychotherapy note, in note list and client show", async () => {
  const c = await sb.ok(["client", "add", "--name", "Lab Elled"]);
  await sb.ok(["note", "add", c, "-m", "LABELLEDSECRET", "-l", "PSYTHPN"]);
  await sb.ok(["note", "add", c, "-m", "plain progress"]);
  const list = await sb.ok(["note", "list", c]);
  expect(list).toContain("plain progress");
  expect(list).not.toContain("LABELLEDSECRET");
  expect(await sb.ok(["note", "list", c, "--psychotherapy"])).toContain("LABELLEDSECRET");
  expect(JSON.parse(await sb.ok(["client", "show", c, "--json"]))).toMatchObject({ notes: 1, psychotherapyNotes: 1 });
  expect(await sb.ok(["timeline", c])).not.toContain("LABELLEDSECRET");
});
