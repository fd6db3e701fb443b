import { tempDir } from "../support/tmp.js";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { commitPaths, commitTree, headCommit, openGit } from "../../src/store/git.js";
import { verifyRange } from "../../src/store/history.js";
import { checkCommitSignature, parseCommit } from "../../src/store/signed-commit.js";
import { formatSigners } from "../../src/store/signers.js";
import { generateSigningKey } from "../../src/store/sshsig.js";

const dir = tempDir("chart-signed-");
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: dir, GIT_CONFIG_NOSYSTEM: "1" };
const g = (args: string[]) => execFileSync("git", args, { cwd: dir, encoding: "utf8", env: { ...env, GIT_CONFIG_GLOBAL: "/dev/null" } });

describe("signed commits", () => {
  const key = generateSigningKey();
  const git = openGit(dir, env, key);

  it("commitPaths signs, commits only the given paths, leaves other staged changes staged", async () => {
    g(["init", "-q", "--initial-branch=main"]);
    mkdirSync(join(dir, ".chart"));
    writeFileSync(join(dir, ".chart", "allowed_signers"), formatSigners([{ principal: "dev", publicKey: key.publicKey, label: "d" }]));
    await commitPaths(git, [".chart/allowed_signers"], "chart: init");
    writeFileSync(join(dir, "mine"), "a");
    writeFileSync(join(dir, "theirs"), "b");
    g(["add", "theirs"]);
    await commitPaths(git, ["mine"], "chart: add note");
    expect(g(["show", "--name-only", "--format=", "HEAD"]).trim()).toBe("mine");
    expect(g(["diff", "--cached", "--name-only"]).trim()).toBe("theirs");
    const v = spawnSync("git", ["-c", "gpg.ssh.allowedSignersFile=.chart/allowed_signers", "verify-commit", "HEAD"], { cwd: dir, env: { ...env, GIT_CONFIG_GLOBAL: "/dev/null" }, encoding: "utf8" });
    expect(v.status, v.stderr).toBe(0);
    const raw = execFileSync("git", ["cat-file", "commit", "HEAD"], { cwd: dir });
    expect(checkCommitSignature(parseCommit(raw)).ok).toBe(true);
    // A changed byte anywhere in the commit breaks it.
    const bad = Buffer.from(raw.toString("latin1").replace("chart: add note", "chart: add notf"), "latin1");
    expect(checkCommitSignature(parseCommit(bad)).ok).toBe(false);
  });

  it("a merge (two parents) is signed the same way and verifies", async () => {
    const head = (await headCommit(git)) as string;
    const tree = g(["rev-parse", "HEAD^{tree}"]).trim();
    const side = await commitTree(git, { tree, parents: [head], message: "chart: add note" });
    const merge = await commitTree(git, { tree, parents: [head, side], message: "chart: merge" });
    g(["update-ref", "HEAD", merge]);
    const r = await verifyRange(git, undefined, merge);
    expect(r.problems).toEqual([]);
    expect(r.signersAtHead).toBeDefined();
    // The same merge unsigned is reported.
    const plain = g(["-c", "user.name=x", "-c", "user.email=x@x", "commit-tree", tree, "-p", head, "-p", side, "-m", "merge by hand"]).trim();
    expect((await verifyRange(git, undefined, plain)).problems.map((p) => p.code)).toEqual(["E_UNSIGNED"]);
    const v = spawnSync("git", ["-c", "gpg.ssh.allowedSignersFile=.chart/allowed_signers", "verify-commit", merge], { cwd: dir, env: { ...env, GIT_CONFIG_GLOBAL: "/dev/null" } });
    expect(v.status).toBe(0);
  });
});
