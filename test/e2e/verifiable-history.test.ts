/**
 * Verifiable history, as an attacker would try it: deleted, rolled-back or forged records, a
 * fresh MAC key, commits signed by a removed or unknown key, a remote that rewinds the branch.
 * Each must be refused by the next command touching the client and reported by fsck, with
 * nothing written; stock git verifies every commit chart made and refuses a hand-made one.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addClient, sandbox, type Sandbox } from "../support/e2e.js";
import { git } from "../support/verify.js";

let sb: Sandbox;
let cid: string;
let consent: string;
let revocation: string;
let disclosure: string;
let addendum: string;
let medStop: string;
let good: string; // the newest verified commit before each attack

const hand = (args: string[]) => git(sb.repo, ["-c", "user.name=x", "-c", "user.email=x@x", ...args]);
const head = () => git(sb.repo, ["rev-parse", "HEAD"]).trim();
const status = () => git(sb.repo, ["status", "--porcelain", "--untracked-files=all"]);
const newFile = (before: string[], dir: string): string => {
  const now = git(sb.repo, ["ls-files", `clients/${cid}/${dir}`]).trim().split("\n");
  const added = now.filter((f) => !before.includes(f));
  expect(added).toHaveLength(1);
  return added[0] as string;
};
const files = (dir: string) => git(sb.repo, ["ls-files", `clients/${cid}/${dir}`]).trim().split("\n");

/** The commands that touch the client all refuse, fsck fails, and nothing is written. */
function expectDetected(codes: RegExp): void {
  const h = head();
  const s = status();
  for (const args of [
    ["consent", "list", cid],
    ["disclosures", cid],
    ["med", "list", cid, "--all"],
    ["note", "list", cid],
    ["share", cid, "--consent", consent, "--dry-run"],
    ["note", "add", cid, "-m", "must not be written"],
  ]) {
    const r = sb.run(args);
    expect(r.code, `${args.join(" ")}: ${r.stdout}${r.stderr}`).toBeGreaterThanOrEqual(3);
    expect([3, 6]).toContain(r.code);
    expect(r.stderr).toMatch(/^hint: /m);
  }
  const f = sb.run(["fsck"]);
  expect(f.code, f.stdout + f.stderr).toBe(3);
  expect(f.stdout + f.stderr).toMatch(codes);
  const repair = sb.run(["fsck", "--repair"]);
  expect(repair.code).not.toBe(0);
  expect(head()).toBe(h);
  expect(status()).toBe(s);
}

/** Back to the verified state (what a user does after the report). */
function restore(): void {
  git(sb.repo, ["reset", "-q", "--hard", good]);
  git(sb.repo, ["clean", "-qfd", "clients", ".chart"]);
  expect(sb.run(["consent", "list", cid]).code).toBe(0);
}

beforeAll(() => {
  sb = sandbox();
  cid = addClient(sb, "Vera Verify");
  consent = sb.ok(["consent", "add", cid, "--to", "Dr Y", "--purpose", "care", "--share", "notes", "--expires", "2099-01-01", "--signed", "2024-01-01"]);
  const nid = sb.ok(["note", "add", cid, "-m", "a signed note", "--sign"]);
  let before = files("notes");
  sb.ok(["note", "amend", nid, "-m", "an addendum"]);
  addendum = newFile(before, "notes");
  const med = sb.ok(["med", "add", cid, "sertraline", "--dose", "50 mg", "--start", "2024-01-01"]);
  before = files("meds");
  sb.ok(["med", "stop", cid, med, "--date", "2024-02-01"]);
  medStop = newFile(before, "meds");
  before = files("disclosures");
  const out = join(sb.home, "bundle");
  sb.ok(["share", cid, "--consent", consent, "--out", out, "--format", "json", "--plaintext", "--yes"]);
  rmSync(out, { recursive: true, force: true });
  disclosure = newFile(before, "disclosures");
  before = files("consents");
  sb.ok(["consent", "revoke", cid, consent, "--date", "2024-03-01"]);
  revocation = newFile(before, "consents");
  good = head();
});
afterAll(() => rmSync(sb.home, { recursive: true, force: true }));

describe("verifiable history", () => {
  it("stock git verifies every commit chart made, and refuses one made by hand", () => {
    const commits = git(sb.repo, ["rev-list", "HEAD"]).trim().split("\n");
    expect(commits.length).toBeGreaterThan(6);
    for (const c of commits) {
      const v = spawnSync("git", ["-c", "gpg.ssh.allowedSignersFile=.chart/allowed_signers", "verify-commit", c], { cwd: sb.repo, env: sb.env, encoding: "utf8" });
      expect(v.status, `${c}: ${v.stderr}`).toBe(0);
      expect(v.stderr).toMatch(/Good "git" signature/);
    }
    hand(["commit", "-q", "--allow-empty", "-m", "by hand"]);
    const v = spawnSync("git", ["-c", "gpg.ssh.allowedSignersFile=.chart/allowed_signers", "verify-commit", "HEAD"], { cwd: sb.repo, env: sb.env });
    expect(v.status).not.toBe(0);
    expect(sb.run(["note", "list", cid]).code).toBe(3);
    git(sb.repo, ["reset", "-q", "--hard", good]);
  });

  for (const [what, path] of [
    ["a revocation", () => revocation],
    ["a disclosure", () => disclosure],
    ["an addendum", () => addendum],
    ["a medication stop", () => medStop],
  ] as const) {
    it(`${what} deleted and committed with a generic message is detected`, () => {
      hand(["rm", "-q", path()]);
      hand(["commit", "-qm", "chart: add note"]);
      expectDetected(/E_UNSIGNED/);
      restore();
    });
    it(`${what} deleted without a commit is named, and fsck --repair does not commit the deletion`, () => {
      rmSync(join(sb.repo, path()));
      const r = sb.run(["consent", "list", cid]);
      expect(r.stderr).toContain(path());
      expectDetected(/E_MISSING/);
      restore();
    });
  }

  it("a record swapped for its own older version (committed, or not) is detected", () => {
    const profile = `clients/${cid}/profile.age`;
    sb.ok(["client", "discharge", cid]);
    const discharged = head();
    good = discharged;
    hand(["checkout", `${discharged}~1`, "--", profile]);
    expectDetected(/E_OLDER_VERSION/);
    hand(["commit", "-qm", "chart: edit client"]);
    expectDetected(/E_UNSIGNED/);
    restore();
  });

  it("a fresh macs.age encrypted to the chart's recipients is detected (committed, or not)", () => {
    const recipients = readFileSync(join(sb.repo, ".chart", "recipients"), "utf8").split("\n").filter((l) => l.startsWith("age1"));
    const macs = join(sb.repo, ".chart", "macs.age");
    execFileSync("age", [...recipients.flatMap((r) => ["-r", r]), "-o", macs], { input: `chart: 1\nkind: mac-key\nkey: ${"ab".repeat(32)}\n` });
    expectDetected(/E_CHART_FILES_CHANGED/);
    hand(["commit", "-qam", "chart: add note"]);
    expectDetected(/E_CHART_CHANGED_IN_COMMIT|E_UNSIGNED/);
    restore();
  });

  it("an attacker's key appended to .chart/recipients with an uncommitted deletion: fsck fails, --repair commits neither", () => {
    execFileSync("age-keygen", ["-o", join(sb.home, "attacker")], { stdio: "ignore" });
    const r = execFileSync("age-keygen", ["-y", join(sb.home, "attacker")], { encoding: "utf8" }).trim();
    writeFileSync(join(sb.repo, ".chart", "recipients"), `${readFileSync(join(sb.repo, ".chart", "recipients"), "utf8")}${r}\n`);
    rmSync(join(sb.repo, revocation));
    expectDetected(/E_CHART_FILES_CHANGED/);
    expect(git(sb.repo, ["show", "HEAD:.chart/recipients"])).not.toContain(r);
    restore();
  });

  it("a commit signed by an unknown key (stock git and ssh-keygen) is refused", () => {
    const key = join(sb.home, "unknown");
    execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", key]);
    rmSync(join(sb.repo, revocation));
    hand(["-c", "gpg.format=ssh", "-c", `user.signingkey=${key}`, "commit", "-q", "-S", "-am", "chart: add note"]);
    expectDetected(/E_FOREIGN_SIGNER/);
    restore();
  });

  it("a commit signed by a removed device is refused", () => {
    const id2 = join(sb.home, "device2");
    execFileSync("age-keygen", ["-o", id2], { stdio: "ignore" });
    const rec2 = execFileSync("age-keygen", ["-y", id2], { encoding: "utf8" }).trim();
    execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", `${id2}.signing`]);
    const pub2 = readFileSync(`${id2}.signing.pub`, "utf8").trim().split(" ").slice(0, 2).join(" ");
    sb.ok(["key", "add", rec2, "--signing-key", pub2, "--label", "device2"]);
    // While trusted, its commits are accepted.
    expect(sb.run(["note", "list", cid, "--identity", id2]).code).toBe(0);
    sb.ok(["key", "remove", "device2", "--yes"]);
    good = head();
    rmSync(join(sb.repo, revocation));
    hand(["-c", "gpg.format=ssh", "-c", `user.signingkey=${id2}.signing`, "commit", "-q", "-S", "-am", "chart: add note"]);
    expectDetected(/E_FOREIGN_SIGNER/);
    // Stock git still accepts what it signed while it was a device (its key is retired, not deleted).
    restore();
    // A fork from before its removal, where it was still trusted, merged in by hand: refused,
    // and not adoptable (it was retired in the commit this device had verified).
    // (Its commit changes nothing: the removal re-encrypted every record, so any change it made
    // would conflict; what is refused is who signed it.)
    hand(["checkout", "-q", "-b", "fork", `${good}~1`]);
    hand(["-c", "gpg.format=ssh", "-c", `user.signingkey=${id2}.signing`, "commit", "-q", "-S", "--allow-empty", "-m", "chart: add note"]);
    hand(["checkout", "-q", "main"]);
    hand(["merge", "-q", "--no-edit", "fork"]);
    git(sb.repo, ["branch", "-q", "-D", "fork"]);
    expectDetected(/E_FOREIGN_SIGNER/);
    const adopt = sb.run(["fsck", "--adopt", "--yes"]);
    expect(adopt.code).toBe(3);
    expect(adopt.stderr).toMatch(/device2, a device removed before/);
    restore();
  });

  it("a remote that rewinds the branch is refused, with a way back", () => {
    const remote = join(sb.home, "remote.git");
    execFileSync("git", ["clone", "-q", "--bare", sb.repo, remote]);
    git(sb.repo, ["remote", "add", "origin", remote]);
    execFileSync("git", ["--git-dir", remote, "update-ref", "refs/heads/main", `${good}~3`]);
    git(sb.repo, ["fetch", "-q", "origin"]);
    git(sb.repo, ["reset", "-q", "--hard", "origin/main"]);
    const r = sb.run(["consent", "list", cid]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/rewound or rewritten/);
    expect(r.stderr).toContain(`git reset --keep ${good}`);
    const f = sb.run(["fsck"]);
    expect(f.code).toBe(3);
    expect(f.stdout).toMatch(/E_HISTORY_REWOUND/);
    git(sb.repo, ["reset", "-q", "--keep", good]);
    expect(JSON.parse(sb.ok(["consent", "list", cid, "--json"]))[0]).toMatchObject({ status: "revoked" });
  });
});

describe("a chart written before signed history", () => {
  it("is upgraded on first use: its history is accepted as it is, told, and every commit from then on is signed", () => {
    const old = sandbox();
    try {
      const id = addClient(old, "Olga Older");
      old.ok(["note", "add", id, "-m", "written before"]);
      // What the previous release left: no allowed_signers, unsigned commits, no local anchor.
      const g = (args: string[]) => git(old.repo, ["-c", "user.name=chart", "-c", "user.email=chart@localhost", ...args]);
      g(["rm", "-q", ".chart/allowed_signers"]);
      g(["checkout", "-q", "--orphan", "legacy"]);
      g(["commit", "-qm", "chart: init"]);
      g(["branch", "-q", "-D", "main"]);
      g(["branch", "-q", "-m", "main"]);
      for (const f of ["verified", "signers.pin"]) rmSync(join(old.repo, ".git", "chart", f), { force: true });
      expect(spawnSync("git", ["verify-commit", "HEAD"], { cwd: old.repo }).status).not.toBe(0);

      const r = old.run(["note", "list", id]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain("written before");
      expect(r.stderr).toMatch(/earlier chart without signed history/);
      expect(git(old.repo, ["log", "-1", "--format=%s"]).trim()).toBe("chart: sign history");
      const v = spawnSync("git", ["-c", "gpg.ssh.allowedSignersFile=.chart/allowed_signers", "verify-commit", "HEAD"], { cwd: old.repo, encoding: "utf8" });
      expect(v.status, v.stderr).toBe(0);
      // Once: the next command says nothing, and the chart is signed from here on.
      const again = old.run(["note", "add", id, "-m", "written after"]);
      expect(again.code, again.stderr).toBe(0);
      expect(again.stderr).not.toMatch(/earlier chart/);
      const f = old.run(["fsck", "--decrypt"]);
      expect(f.code, f.stdout + f.stderr).toBe(0);
      git(old.repo, ["-c", "user.name=x", "-c", "user.email=x@x", "commit", "-q", "--allow-empty", "-m", "by hand"]);
      expect(old.run(["note", "list", id]).code).toBe(3);
    } finally {
      rmSync(old.home, { recursive: true, force: true });
    }
  });
});
