/**
 * Failure paths with the real binary: error and hint lines, exit codes, no stack trace, nothing
 * written. (The full matrix runs in-process in test/cli/errors.test.ts.)
 */
import { execFileSync } from "node:child_process";
import { chmodSync, copyFileSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { addClient, sandbox, type RunResult, type Sandbox } from "../support/e2e.js";
import { git, macKeyOf } from "../support/verify.js";
import { serialize } from "../../src/store/envelope.js";

let sb: Sandbox;
let cid: string;
let n1: string;
let n2: string;

beforeAll(() => {
  sb = sandbox();
  cid = addClient(sb, "Erin Errorpath");
  n1 = sb.ok(["note", "add", cid, "-m", "first note", "--sign"]);
  n2 = sb.ok(["note", "add", cid, "-m", "second note"]);
});

function expectCleanFailure(r: RunResult, exit: number, error: RegExp) {
  expect(r.code, r.stderr).toBe(exit);
  expect(r.stderr).toMatch(/^error: .+$/m);
  expect(r.stderr).toMatch(/^hint: .+$/m);
  expect(r.stderr).toMatch(error);
  expect(r.stderr).not.toMatch(/^\s+at /m);
  expect(r.stderr).not.toMatch(/Error:/); // no JS error class names leaking through
}

describe("errors (real binary)", () => {
  it("a signed note cannot be edited: exit 3, hint to use note amend, nothing written", () => {
    const head = git(sb.repo, ["rev-parse", "HEAD"]);
    const r = sb.run(["note", "edit", n1, "-m", "changed"]);
    expectCleanFailure(r, 3, /^error: the note is signed and cannot be changed$/m);
    expect(r.stderr).toMatch(/^hint: .*chart note amend /m);
    expect(git(sb.repo, ["rev-parse", "HEAD"])).toBe(head);
  });

  it("identity problems: missing, readable by others, wrong key — exit 6", () => {
    expectCleanFailure(sb.run(["client", "list"], { env: { CHART_IDENTITY: join(sb.home, "nope") } }), 6, /no identity at/);
    const open = join(sb.home, "open-identity");
    copyFileSync(sb.identity, open);
    chmodSync(open, 0o644);
    expectCleanFailure(sb.run(["client", "list", "--identity", open]), 6, /can be read by other users/);
    const other = join(sb.home, "other-identity");
    execFileSync("age-keygen", ["-o", other], { stdio: "ignore" });
    chmodSync(other, 0o600);
    expectCleanFailure(sb.run(["note", "add", cid, "-m", "x", "--identity", other]), 6, /cannot open this chart/);
  });

  it("not a chart repository: exit 4 with a hint to init", () => {
    expectCleanFailure(sb.run(["client", "list"], { cwd: sb.home }), 4, /not inside a chart repository/);
  });

  it("a corrupted .age file is named (it differs from the verified history), fsck says why, and note show fails cleanly", () => {
    const path = `clients/${cid}/notes/${n2}.age`;
    const full = join(sb.repo, path);
    const good = readFileSync(full);
    writeFileSync(full, good.subarray(0, good.length - 40));
    try {
      const r = sb.run(["note", "list", cid, "--json"]);
      expect(r.code).toBe(3);
      expect(r.stderr).toContain(`${path} differs from the verified history`);
      const f = sb.run(["fsck", "--decrypt"]);
      expect(f.code).toBe(3);
      expect(f.stdout).toMatch(new RegExp(`^${path}: cannot be decrypted`, "m"));
      expectCleanFailure(sb.run(["note", "show", n2]), 3, new RegExp(path));
    } finally {
      writeFileSync(full, good);
    }
    expect(sb.run(["note", "list", cid]).code).toBe(0);
  });

  it("malformed YAML inside a record is named and never echoed; the others still list (exit non-zero: incomplete)", () => {
    const bad = `clients/${cid}/notes/nt_${"q".repeat(26)}.age`;
    const secret = "Yamlsecret Zanzibar";
    const recipient = readFileSync(join(sb.repo, ".chart", "recipients"), "utf8").split("\n").find((l) => l.startsWith("age1")) as string;
    execFileSync("age", ["-r", recipient, "-o", join(sb.repo, bad)], { input: `---\nchart: 1\nkind: !${secret.replace(" ", "")} note\nid: [${secret}\n---\n${secret}\n` });
    // and one whose YAML is fine but whose MAC is made with the wrong key
    const forged = `clients/${cid}/notes/nt_${"r".repeat(26)}.age`;
    const rec = { chart: 1, kind: "note", id: `nt_${"r".repeat(26)}`, client: cid, created: "2024-01-01T00:00:00Z", type: "progress", template: "free", date: "2024-01-01", status: "draft", body: `${secret}\n` } as const;
    execFileSync("age", ["-r", recipient, "-o", join(sb.repo, forged)], { input: serialize(rec, forged, new Uint8Array(32)) });
    expect(macKeyOf(sb.repo, sb.identity)).not.toEqual(new Uint8Array(32));
    const r = sb.run(["note", "list", cid]);
    expect(r.code).toBe(3); // not in the verified history: named, the client's records not used
    expect(r.stderr).toContain(bad);
    expect(r.stderr).toContain(forged);
    expect(r.stderr + r.stdout).not.toContain("Zanzibar");
    const f = sb.run(["fsck", "--decrypt", "--repair"]);
    expect(f.code).toBe(3);
    expect(f.stdout).toMatch(new RegExp(`^${bad}: malformed YAML inside the record`, "m"));
    expect(f.stdout).toMatch(new RegExp(`^${forged}: the record's MAC does not verify`, "m"));
    expect(f.stdout + f.stderr).not.toContain("Zanzibar");
    expect(git(sb.repo, ["status", "--porcelain"])).toContain(bad.split("/").at(-1)); // never committed
    const show = sb.run(["note", "show", `nt_${"q".repeat(8)}`]);
    expectCleanFailure(show, 3, new RegExp(bad));
    expect(show.stderr).not.toContain("Zanzibar");
    rmSync(join(sb.repo, bad));
    rmSync(join(sb.repo, forged));
    expect(sb.run(["note", "list", cid]).stdout).toContain("first note");
  });

  it("`chart init` twice is safe: no commit, same identity and recipient, files unchanged", () => {
    const head = git(sb.repo, ["rev-parse", "HEAD"]);
    const idText = readFileSync(sb.identity, "utf8");
    const files = [".chart/format", ".chart/recipients", ".chart/macs.age", ".gitattributes", ".gitignore"].map((f) => readFileSync(join(sb.repo, f)));
    const recipient = sb.ok(["init", sb.repo]);
    expect(recipient).toMatch(/^age1[0-9a-z]{58}$/);
    expect(sb.ok(["init"])).toBe(recipient);
    expect(git(sb.repo, ["rev-parse", "HEAD"])).toBe(head);
    expect(readFileSync(sb.identity, "utf8")).toBe(idText);
    expect(statSync(sb.identity).mode & 0o777).toBe(0o600);
    [".chart/format", ".chart/recipients", ".chart/macs.age", ".gitattributes", ".gitignore"].forEach((f, i) => expect(readFileSync(join(sb.repo, f)).equals(files[i] as Buffer), f).toBe(true));
    expect(git(sb.repo, ["config", "--local", "diff.chart.textconv"])).toMatch(/chart\.js' textconv|chart\.js textconv/);
  });

  it("--help and --version work from the binary", () => {
    const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
    expect(sb.ok(["--version"])).toBe(pkg.version);
    expect(sb.ok(["--help"])).toMatch(/^Usage: chart /m);
  });
});
