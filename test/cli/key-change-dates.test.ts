/**
 * A key that leaves is kept in .chart/allowed_signers with valid-before (the moment it left), so
 * stock `git verify-commit` still accepts what it signed. A rotation's commit is signed by the
 * key it retires, and ssh-keygen refuses a signature dated after valid-before. Before, the
 * commit was dated when it was written, after the re-encryption: a second or more later than
 * valid-before, so stock git refused chart's own rotation commit (CI caught it when the two
 * straddled a second). Here the command's clock reads more than a second before the commit is
 * written, which makes that gap certain: every commit must still verify with stock git.
 */
import { spawnSync } from "node:child_process";
import * as age from "age-encryption";
import { beforeAll, describe, expect, it } from "vitest";
import { generateSigningKey, publicKeyLine } from "../../src/store/sshsig.js";
import { inprocSandbox, type Inproc } from "../support/inproc.js";
import { git } from "../support/verify.js";

const validBefore = (at: Date) => `${at.toISOString().replace(/[-:T]/g, "").slice(0, 14)}Z`;
const seconds = (at: Date) => Math.floor(at.getTime() / 1000);
let sb: Inproc;
let cid: string;

const stockVerify = (commit: string) =>
  spawnSync("git", ["-c", "gpg.ssh.allowedSignersFile=.chart/allowed_signers", "verify-commit", commit], { cwd: sb.repo, env: sb.env, encoding: "utf8" });

const committed = (commit: string) => Number(git(sb.repo, ["log", "-1", "--format=%ct", commit]).trim());

beforeAll(async () => {
  sb = await inprocSandbox();
  cid = await sb.ok(["client", "add", "--name", "Rhea Rotate"]);
  await sb.ok(["note", "add", cid, "-m", "before the key change", "--sign"]);
});

describe("key changes date their commit at valid-before", () => {
  it("key remove: the device's key is retired at the removal commit's date", async () => {
    const recipient = await age.identityToRecipient(await age.generateIdentity());
    const signing = publicKeyLine(generateSigningKey().pub);
    await sb.ok(["key", "add", recipient, "--signing-key", signing, "--label", "tablet"]);
    const at = new Date(Date.now() - 1500);
    await sb.ok(["key", "remove", "tablet", "--yes"], { now: at });
    expect(git(sb.repo, ["show", "HEAD:.chart/allowed_signers"])).toContain(`valid-before="${validBefore(at)}" ${signing}`);
    expect(committed("HEAD")).toBe(seconds(at));
  });

  it("key rotate: the commit the old key signs as it leaves verifies with stock git", async () => {
    const before = git(sb.repo, ["rev-parse", "HEAD"]).trim();
    const at = new Date(); // after every commit so far; the rotation's is written over a second later
    await new Promise((r) => setTimeout(r, 1100));
    await sb.ok(["key", "rotate", "--yes"], { now: at });
    const rotation = git(sb.repo, ["rev-parse", "HEAD"]).trim();
    expect(git(sb.repo, ["rev-parse", `${rotation}^`]).trim()).toBe(before);
    const signers = git(sb.repo, ["show", "HEAD:.chart/allowed_signers"]);
    expect(signers).toContain(`valid-before="${validBefore(at)}"`); // the old identity
    expect(signers.match(/valid-before=/g)?.length).toBe(2); // and the tablet
    expect(committed(rotation)).toBe(seconds(at));
    await sb.ok(["note", "add", cid, "-m", "after the rotation"]); // signed by the new key, dated now
    for (const c of git(sb.repo, ["rev-list", "HEAD"]).trim().split("\n")) {
      const v = stockVerify(c);
      expect(v.status, `${c} ${v.stderr}`).toBe(0);
    }
    const fsck = await sb.run(["fsck"]);
    expect(fsck.code, fsck.stderr).toBe(0);
  });
});
