/**
 * Sync and join verify history BEFORE integrating (docs/verifiable-history.md, "Sync and join"):
 * a remote that serves an unsigned commit, one signed by an unknown key, a fresh MAC key in a
 * commit that is not a key change, a fork signed by a removed device, or a rewound branch. Each
 * arriving attack is refused by `chart sync` naming the commit and why, with this device's branch,
 * index and work tree exactly as before (the fetched ref stays for inspection); `chart join` of
 * such a remote refuses before checking anything out, and a good join prints the fingerprints.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sandbox, type Sandbox } from "../support/e2e.js";
import { tempDir } from "../support/tmp.js";
import { git } from "../support/verify.js";

let remotes: string;
let origin: string;
let A: Sandbox; // made the chart
let B: Sandbox; // joined
let D: Sandbox; // joined, then removed
let client: string;
let beforeRemoval: string; // a commit where D was still a device
let good: string; // the remote's signed tip before each attack
const all: Sandbox[] = [];

const hand = (repo: string, args: string[]) => git(repo, ["-c", "user.name=x", "-c", "user.email=x@x", ...args]);
const signedBy = (key: string) => ["-c", "gpg.format=ssh", "-c", `user.signingkey=${key}`];
const head = (sb: Sandbox) => git(sb.repo, ["rev-parse", "HEAD"]).trim();

/** A joined device's commands run in its chart. */
const inRepo = (sb: Sandbox): Sandbox => ({ ...sb, run: (a, o = {}) => sb.run(a, { cwd: sb.repo, ...o }), ok: (a, o = {}) => sb.ok(a, { cwd: sb.repo, ...o }) });

function joinDevice(label: string): Sandbox {
  const sb = inRepo(sandbox({ init: false }));
  all.push(sb);
  const r = sb.run(["join", origin, sb.repo, "--label", label], { cwd: sb.home });
  expect(r.code, r.stderr).toBe(0);
  const m = /^chart key add (age1\S+) --signing-key "(ssh-ed25519 \S+)" --label (\S+)$/.exec(r.stdout.trim());
  expect(m, r.stdout).not.toBeNull();
  A.ok(["key", "add", m?.[1] as string, "--signing-key", m?.[2] as string, "--label", label]);
  A.ok(["sync"]);
  sb.ok(["sync"]);
  return sb;
}

/** A working copy of the remote at `base`, for writing an attack by hand. */
function attacker(base: string): string {
  const raw = join(remotes, `raw-${Math.random().toString(36).slice(2)}`);
  execFileSync("git", ["clone", "-q", origin, raw]);
  git(raw, ["checkout", "-q", "-B", "main", base]);
  return raw;
}
const publish = (raw: string) => {
  git(raw, ["push", "-q", "--force", "origin", "main"]);
  rmSync(raw, { recursive: true, force: true });
  return git(origin, ["rev-parse", "main"]).trim();
};

/** B's sync refuses, naming the commit; B's branch, index and files are as before; fetched ref kept. */
function expectRefused(tip: string, code: RegExp, opts: { joinSees?: "refusal" | "fingerprints" } = {}): void {
  const h = head(B);
  const files = git(B.repo, ["ls-files", "-s"]);
  const r = B.run(["sync"]);
  expect(r.code, r.stderr).toBe(3);
  expect(r.stderr).toMatch(/E_SYNC_HISTORY_REFUSED|cannot accept/);
  expect(r.stderr).toContain(tip.slice(0, 12));
  expect(r.stderr).toMatch(code);
  expect(r.stderr).toMatch(/^hint: .*log --show-signature/m);
  expect(head(B)).toBe(h);
  expect(git(B.repo, ["ls-files", "-s"])).toBe(files);
  expect(git(B.repo, ["status", "--porcelain", "--untracked-files=all"])).toBe("");
  expect(existsSync(join(B.repo, ".git", "MERGE_HEAD"))).toBe(false);
  expect(git(B.repo, ["rev-parse", "refs/remotes/origin/main"]).trim()).toBe(tip);
  // Nothing reached this device: its next commands and fsck are fine.
  expect(B.run(["note", "list", client]).code).toBe(0);
  const f = B.run(["fsck"]);
  expect(f.code, f.stdout + f.stderr).toBe(0);
  // A new device refuses to join such a remote, before checking anything out.
  const fresh = sandbox({ init: false });
  try {
    const j = fresh.run(["join", origin, fresh.repo, "--label", "fresh"]);
    if (opts.joinSees === "fingerprints") {
      // A first clone has nothing verified to compare with: it shows the keys it trusts, and the
      // removed device's is among them (what comparing fingerprints with another device catches).
      expect(j.code, j.stderr).toBe(0);
      expect(j.stderr).toMatch(/old-laptop/);
      return;
    }
    expect(j.code, j.stderr).toBe(3);
    expect(j.stderr).toContain(tip.slice(0, 12));
    expect(existsSync(fresh.repo)).toBe(false);
  } finally {
    rmSync(fresh.home, { recursive: true, force: true });
  }
}

beforeAll(() => {
  remotes = tempDir("chart-sync-verify-");
  origin = join(remotes, "origin.git");
  execFileSync("git", ["init", "-q", "--bare", "--initial-branch=main", origin]);
  A = sandbox();
  all.push(A);
  client = A.ok(["client", "add", "--name", "Sid Sync"]);
  A.ok(["note", "add", client, "-m", "one", "--sign"]);
  A.ok(["note", "add", client, "-m", "two", "--sign"]);
  A.ok(["remote", "add", "origin", origin]);
  A.ok(["sync"]);
  B = joinDevice("desk");
  D = joinDevice("old-laptop");
  beforeRemoval = head(A);
  const dRecipient = JSON.parse(D.ok(["status", "--json"])).device.recipient as string;
  A.ok(["key", "remove", dRecipient, "--yes"]);
  A.ok(["sync"]);
  B.ok(["sync"]);
  good = git(origin, ["rev-parse", "main"]).trim();
}, 240_000);

afterAll(() => {
  for (const d of all) rmSync(d.home, { recursive: true, force: true });
  if (remotes) rmSync(remotes, { recursive: true, force: true });
});

const restore = () => {
  git(origin, ["update-ref", "refs/heads/main", good]);
  B.ok(["sync"]);
  expect(head(B)).toBe(good);
};

describe("sync and join verify before integrating", () => {
  it("a join prints the device keys' fingerprints to compare, like an SSH host key", () => {
    const fresh = sandbox({ init: false });
    try {
      const j = fresh.run(["join", origin, fresh.repo, "--label", "fresh"]);
      expect(j.code, j.stderr).toBe(0);
      expect(j.stderr).toMatch(/every commit of its history verified/);
      expect(j.stderr).toMatch(/compare the fingerprints/);
      const fp = execFileSync("ssh-keygen", ["-l", "-f", `${A.identity}.signing`], { encoding: "utf8" }).split(" ")[1] as string;
      expect(j.stderr).toContain(fp);
      // The removed device is not among the keys it trusts.
      const dfp = execFileSync("ssh-keygen", ["-l", "-f", `${D.identity}.signing`], { encoding: "utf8" }).split(" ")[1] as string;
      expect(j.stderr).not.toContain(dfp);
    } finally {
      rmSync(fresh.home, { recursive: true, force: true });
    }
  });

  it("an unsigned commit (a record deleted by hand) is refused before the fast-forward", () => {
    const raw = attacker(good);
    const note = git(raw, ["ls-files", `clients/${client}/notes`]).trim().split("\n")[0] as string;
    hand(raw, ["rm", "-q", note]);
    hand(raw, ["commit", "-qm", "chart: add note"]);
    expectRefused(publish(raw), /not made by chart \(unsigned\)/);
    restore();
  });

  it("a commit signed by an unknown key is refused", () => {
    const key = join(remotes, "unknown");
    execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", key]);
    const raw = attacker(good);
    hand(raw, [...signedBy(key), "commit", "-q", "-S", "--allow-empty", "-m", "chart: add note"]);
    expectRefused(publish(raw), /not a device of this chart/);
    restore();
  });

  it("a fresh macs.age, even signed by a device, is refused unless it is a key change", async () => {
    const age = await import("age-encryption");
    const raw = attacker(good);
    const e = new age.Encrypter();
    for (const line of readFileSync(join(raw, ".chart", "recipients"), "utf8").split("\n")) if (line.startsWith("age1")) e.addRecipient(line);
    writeFileSync(join(raw, ".chart", "macs.age"), await e.encrypt(`chart: 1\nkind: mac-key\nkey: ${"ab".repeat(32)}\n`));
    hand(raw, [...signedBy(`${A.identity}.signing`), "commit", "-q", "-S", "-am", "chart: add note"]);
    expectRefused(publish(raw), /changes \.chart\/ \(keys, MAC key\) outside a signed key change/);
    restore();
  });

  it("a fork signed by a removed device, from before its removal, is refused (it would merge)", () => {
    const raw = attacker(beforeRemoval);
    const note = git(raw, ["ls-files", `clients/${client}/notes`]).trim().split("\n")[0] as string;
    hand(raw, ["rm", "-q", note]);
    hand(raw, [...signedBy(`${D.identity}.signing`), "commit", "-q", "-S", "-m", "chart: add note"]);
    expectRefused(publish(raw), /old-laptop, a device removed before/, { joinSees: "fingerprints" });
    restore();
  });

  it("a remote that rewinds the branch: nothing is integrated, and the sync puts the remote back", () => {
    git(origin, ["update-ref", "refs/heads/main", `${good}~2`]);
    const h = head(B);
    const r = B.run(["sync"]);
    expect(r.code, r.stderr).toBe(0);
    expect(head(B)).toBe(h);
    expect(git(origin, ["rev-parse", "main"]).trim()).toBe(h);
  });

  it("this device's own unsigned commit stops the sync before anything is pushed", () => {
    const before = git(origin, ["rev-parse", "main"]).trim();
    hand(B.repo, ["commit", "-q", "--allow-empty", "-m", "by hand"]);
    const r = B.run(["sync"]);
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toMatch(/E_UNSIGNED|not made by chart/);
    expect(git(origin, ["rev-parse", "main"]).trim()).toBe(before);
    git(B.repo, ["reset", "-q", "--keep", "HEAD~1"]);
    B.ok(["sync"]);
  });
});
