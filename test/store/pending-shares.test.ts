/**
 * The share journal's own folder (src/store/pending-shares.ts): a share killed while it wrote its
 * journal entry leaves only the entry's temp file. The next command removes it when its writer is
 * gone, and leaves a live writer's alone. (CI once caught this as a 1-in-22 kill in
 * test/e2e/share-crash.test.ts; here it is certain.)
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inprocSandbox, type Inproc } from "../support/inproc.js";

let sb: Inproc;
let shares: string;

beforeAll(async () => {
  sb = await inprocSandbox();
  await sb.ok(["client", "add", "--name", "Jo Journal"]);
  shares = join(sb.repo, ".git", "chart", "shares");
});
afterAll(() => rmSync(sb.home, { recursive: true, force: true }));

describe("the share journal's temp files", () => {
  it("a dead writer's is removed by the next command; a live writer's, and other files, stay", async () => {
    const dead = Number(spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" }).stdout);
    const live = process.pid; // in-process: the command's own process, which is running
    mkdirSync(shares, { recursive: true, mode: 0o700 });
    const deadTemp = `.${dead}-0123456789ab.age.tmp-${dead}-ce88d7a3`;
    const liveTemp = `.${live}-0123456789ab.age.tmp-${live}-0badf00d`;
    const odd = ".notes.tmp-nopid";
    for (const n of [deadTemp, liveTemp, odd]) writeFileSync(join(shares, n), "age-encryption.org/v1 (cut short)");
    await sb.ok(["client", "list"]);
    expect(readdirSync(shares).sort()).toEqual([liveTemp, odd].sort());
    // fsck --repair, which also finishes killed shares, finds nothing more to do with them
    await sb.ok(["fsck", "--repair"]);
    expect(readdirSync(shares).sort()).toEqual([liveTemp, odd].sort());
  });
});
