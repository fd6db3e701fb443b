/**
 * `key rotate` and `key remove` killed (SIGKILL) at random moments: the next command finishes or
 * undoes the change by itself, and every record is present and verifies.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addClient, sandbox, type Sandbox } from "../support/e2e.js";
import { git, settleRepo, verifyTrackedFiles } from "../support/verify.js";

let sb: Sandbox;
let cid: string;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(() => {
  sb = sandbox();
  cid = addClient(sb, "Kim Killtest");
  for (let i = 0; i < 6; i++) sb.ok(["note", "add", cid, "-m", `note ${i}`]);
});
afterAll(() => rmSync(sb.home, { recursive: true, force: true }));

const settle = (): Promise<void> => settleRepo(sb.repo, { orThrow: false });

async function killAt(args: string[], ms: number): Promise<void> {
  const p = sb.spawn(args);
  const done = new Promise((r) => p.on("exit", r));
  await sleep(ms);
  p.kill("SIGKILL");
  await done;
  await settle();
}

function checkWhole(expectedNotes: number, tally: Record<string, number>, before: string): void {
  // Left mid-change (journal there): the next command must recover by itself.
  if (existsSync(join(sb.repo, ".git", "chart", "keychange.json"))) tally.journalLeft = (tally.journalLeft ?? 0) + 1;
  const r = sb.run(["note", "list", cid, "--json"]);
  expect(r.code, r.stderr).toBe(0);
  expect(JSON.parse(r.stdout)).toHaveLength(expectedNotes);
  const f = sb.run(["fsck", "--decrypt"]);
  expect(f.code, f.stdout + f.stderr).toBe(0);
  expect(git(sb.repo, ["status", "--porcelain", "--untracked-files=all", "--", "clients", ".chart"])).toBe("");
  const dir = join(sb.identity, "..");
  expect(readdirSync(dir).filter((n) => n.endsWith(".new"))).toEqual([]);
  expect(existsSync(join(sb.repo, ".git", "chart", "keychange.json"))).toBe(false);
  verifyTrackedFiles(sb.repo, sb.identity); // stock age opens every record with the current identity
  const outcome = git(sb.repo, ["rev-parse", "HEAD"]).trim() === before ? "undone" : "finished";
  tally[outcome] = (tally[outcome] ?? 0) + 1;
}

describe("key changes killed at any point", () => {
  it("rotate: SIGKILL at random moments (12 runs)", async () => {
    const t0 = Date.now();
    sb.ok(["key", "rotate", "--yes"]);
    const span = Math.max(300, Date.now() - t0);
    const tally: Record<string, number> = {};
    for (let i = 0; i < 12; i++) {
      const before = git(sb.repo, ["rev-parse", "HEAD"]).trim();
      await killAt(["key", "rotate", "--yes"], Math.floor(((i + Math.random()) / 12) * span * 1.1));
      checkWhole(6, tally, before);
    }
    console.log(`rotate kills over ${span} ms, outcomes: ${JSON.stringify(tally)}`);
  });

  it("remove: SIGKILL at random moments (10 runs)", async () => {
    const keyFile = join(sb.home, "other-key");
    execFileSync("age-keygen", ["-o", keyFile], { stdio: "ignore" });
    const other = execFileSync("age-keygen", ["-y", keyFile], { encoding: "utf8" }).trim();
    sb.ok(["key", "add", other, "--label", "other"]);
    const t0 = Date.now();
    sb.ok(["key", "remove", "other", "--yes"]);
    const span = Math.max(300, Date.now() - t0);
    const tally: Record<string, number> = {};
    for (let i = 0; i < 10; i++) {
      if (!JSON.parse(sb.ok(["key", "show", "--json"])).recipients.some((r: { recipient: string }) => r.recipient === other)) {
        sb.ok(["key", "add", other, "--label", "other"]);
      }
      const before = git(sb.repo, ["rev-parse", "HEAD"]).trim();
      await killAt(["key", "remove", "other", "--yes"], Math.floor(((i + Math.random()) / 10) * span * 1.1));
      checkWhole(6, tally, before);
    }
    console.log(`remove kills over ${span} ms, outcomes: ${JSON.stringify(tally)}`);
  });
});
