/**
 * A chart written by the previous release (0.1.0, in test/fixtures/release-0.1.0: the chart
 * with its .git folder, and the test identity that opens it) still opens: every record reads
 * and verifies, listings show what it holds, and new writes land beside the old records.
 */
import { execFileSync } from "node:child_process";
import { chmodSync, copyFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { ROOT, sandbox, type Sandbox } from "../support/e2e.js";

const FIXTURE = join(ROOT, "test", "fixtures", "release-0.1.0");
let sb: Sandbox;
let env: Record<string, string>;

beforeAll(() => {
  sb = sandbox({ init: false });
  execFileSync("tar", ["-xzf", join(FIXTURE, "chart.tar.gz"), "-C", sb.home]);
  mkdirSync(join(sb.home, ".config", "chart"), { recursive: true, mode: 0o700 });
  const identity = join(sb.home, ".config", "chart", "identity");
  copyFileSync(join(FIXTURE, "identity"), identity);
  chmodSync(identity, 0o600);
  env = { CHART_REPO: join(sb.home, "chart") };
});

const ok = (args: string[]) => sb.ok(args, { env, cwd: join(sb.home, "chart") });
/** fsck reports on stderr; exit 0 means no problem. */
const fsck = () => {
  const r = sb.run(["fsck", "--decrypt"], { env, cwd: join(sb.home, "chart") });
  expect(r.code, r.stderr).toBe(0);
  return r.stdout + r.stderr;
};

describe("a chart from the previous release", () => {
  it("is brought into signed history by its first command, then fsck --decrypt verifies everything", () => {
    const before = sb.run(["fsck", "--decrypt"], { env, cwd: join(sb.home, "chart") });
    expect(before.stdout).toContain("E_UNSIGNED_CHART"); // read-only fsck says what the next command does
    const first = sb.run(["client", "list"], { env, cwd: join(sb.home, "chart") });
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain("Pat Previous");
    expect(fsck()).toMatch(/13 decrypted and verified, .*0 problem/);
  });

  it("lists what it holds", () => {
    const notes = JSON.parse(ok(["note", "list", "Pat", "--json"])) as unknown[];
    expect(notes).toHaveLength(2); // the signed note (with its addendum) and the draft; psychotherapy apart
    expect(JSON.parse(ok(["note", "list", "Pat", "--psychotherapy", "--json"]))).toHaveLength(1);
    expect(ok(["med", "list", "Pat"])).toContain("100 mg");
    expect(ok(["dx", "list", "Pat"])).toContain("F41.1");
    const consents = ok(["consent", "list", "Pat"]);
    expect(consents).toContain("active");
    expect(consents).toContain("revoked");
    expect(ok(["disclosures", "Pat", "--json"])).toContain("Dr Psych");
  });

  it("takes new writes", () => {
    const id = ok(["note", "add", "Pat", "-m", "A note written by this release."]);
    expect(id).toMatch(/^nt_/);
    expect(fsck()).toMatch(/14 decrypted and verified, .*0 problem/);
  });
});
