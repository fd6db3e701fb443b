/**
 * Temp files a killed command left in the device's own state (.git/chart: the read cache, the
 * work-tree check's stamps, drafts), src/store/fsck.ts: `chart fsck` names those whose writer is
 * gone, `--repair` removes them; a live writer's temp file and every other file stay.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inprocSandbox, type Inproc } from "../support/inproc.js";

let sb: Inproc;

beforeAll(async () => {
  sb = await inprocSandbox();
  await sb.ok(["client", "add", "--name", "Sam State"]);
  await sb.ok(["client", "list"]); // the read cache and the work-tree stamps exist
});
afterAll(() => rmSync(sb.home, { recursive: true, force: true }));

describe("fsck and the device's own temp files", () => {
  it("names a dead writer's temp files in .git/chart, --repair removes them, a live writer's stay", async () => {
    const dead = Number(spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" }).stdout);
    const live = process.pid; // in-process: the command's own process, which is running
    const state = join(sb.repo, ".git", "chart");
    const placed = {
      deadCache: join("cache", `.cl_x.cache.tmp-${dead}-0badf00d`),
      deadIntact: join("intact", `.abc.json.tmp-${dead}-12345678`),
      deadDraft: join("drafts", "nested", `.d.age.tmp-${dead}-deadbeef`),
      liveCache: join("cache", `.cl_y.cache.tmp-${live}-0badf00d`),
      noPid: join("cache", ".odd.tmp-nopid"),
    };
    for (const rel of Object.values(placed)) {
      mkdirSync(join(state, rel, ".."), { recursive: true, mode: 0o700 });
      writeFileSync(join(state, rel), "age-encryption.org/v1 (cut short)");
    }
    const before = new Set(readdirSync(join(state, "cache")));

    const check = await sb.run(["fsck"]);
    expect(check.code, check.stderr).toBe(0);
    const named = check.stdout.split("\n").filter((l) => l.endsWith(": stale temp file (run chart fsck --repair)"));
    expect(named.map((l) => l.split(":")[0]).sort()).toEqual([placed.deadCache, placed.deadDraft, placed.deadIntact].map((r) => join(".git", "chart", r)).sort());

    const json = JSON.parse(await sb.ok(["fsck", "--json"])) as { tempFiles: string[] };
    expect(json.tempFiles).toHaveLength(3);

    await sb.ok(["fsck", "--repair"]);
    for (const rel of [placed.deadCache, placed.deadIntact, placed.deadDraft]) expect(existsSync(join(state, rel)), rel).toBe(false);
    for (const rel of [placed.liveCache, placed.noPid]) expect(existsSync(join(state, rel)), rel).toBe(true);
    // Nothing else in the cache went: every other entry that was there is still there.
    const after = new Set(readdirSync(join(state, "cache")));
    for (const n of before) if (!n.includes(`.tmp-${dead}-`)) expect(after.has(n), n).toBe(true);
    const again = await sb.run(["fsck"]);
    expect(again.stdout).not.toContain("stale temp file");
  });
});
