/**
 * git's index kept split once it is large (src/store/git.ts, splitIndexOption): staging one file
 * then writes a small index file, the commit and the user's own git see the same entries, and a
 * private index (other changes staged) leaves no shared part of its own behind.
 */
import { tempDir } from "../support/tmp.js";
import { execFileSync } from "node:child_process";
import { readdirSync, rmSync, statSync, writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { commitPaths, openGit, splitIndexOption, SPLIT_INDEX_BYTES } from "../../src/store/git.js";
import { generateSigningKey } from "../../src/store/sshsig.js";

const dir = tempDir("chart-split-");
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: dir, GIT_CONFIG_NOSYSTEM: "1" };
const g = (args: string[]) => execFileSync("git", args, { cwd: dir, encoding: "utf8", env: { ...env, GIT_CONFIG_GLOBAL: "/dev/null" } });
const shared = () => readdirSync(join(dir, ".git")).filter((f) => f.startsWith("sharedindex."));

describe("the index split", () => {
  it("only an index of SPLIT_INDEX_BYTES or more asks for it", () => {
    const f = join(dir, "probe");
    writeFileSync(f, Buffer.alloc(100));
    expect(splitIndexOption(f)).toEqual([]);
    expect(splitIndexOption(f, 100)).toEqual(["-c", "core.splitIndex=true"]);
    expect(splitIndexOption(join(dir, "absent"))).toEqual([]);
    expect(SPLIT_INDEX_BYTES).toBeGreaterThan(100_000);
    rmSync(f);
  });

  it("a large index is split on chart's first write and stays so; plain git reads it; a private index adds no shared part", async () => {
    g(["init", "-q", "--initial-branch=main"]);
    mkdirSync(join(dir, "d"));
    for (let i = 0; i < 200; i++) writeFileSync(join(dir, "d", `f${i}`), String(i));
    g(["add", "d"]);
    g(["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "files"]);
    const size = statSync(join(dir, ".git", "index")).size;
    // The threshold set just under this index's size: the next write splits it.
    const git = openGit(dir, env, generateSigningKey(), { splitIndexAt: size - 1 });
    writeFileSync(join(dir, "d", "new1"), "one");
    await commitPaths(git, ["d/new1"], "chart: add one");
    expect(shared()).toHaveLength(1);
    expect(statSync(join(dir, ".git", "index")).size).toBeLessThan(size);
    // The user's git (no such option) reads and keeps it; the commit holds the file, nothing is left staged.
    expect(g(["status", "--porcelain"])).toBe("");
    expect(g(["ls-files"]).split("\n")).toContain("d/new1");
    expect(g(["show", "--name-only", "--format=", "HEAD"]).trim()).toBe("d/new1");
    // Another write: small again, still split, no new shared part (far from a fifth changed).
    writeFileSync(join(dir, "d", "new2"), "two");
    await commitPaths(git, ["d/new2"], "chart: add two");
    expect(shared()).toHaveLength(1);
    expect(g(["status", "--porcelain"])).toBe("");
    // Something staged by the user: the commit goes through a private index, never split.
    writeFileSync(join(dir, "theirs"), "b");
    g(["add", "theirs"]);
    writeFileSync(join(dir, "d", "new3"), "three");
    await commitPaths(git, ["d/new3"], "chart: add three");
    expect(g(["show", "--name-only", "--format=", "HEAD"]).trim()).toBe("d/new3");
    expect(g(["diff", "--cached", "--name-only"]).trim()).toBe("theirs");
    expect(shared()).toHaveLength(1);
    expect(g(["fsck", "--no-progress"])).toBe("");
  });
});
