/**
 * The access log has each decrypting command's reads before any of its output leaves: a read
 * cut short by a closed pipe is logged, and `git log -p` through the textconv diff driver logs
 * the records it decrypted. (A log that cannot be written: test/e2e/exit-codes.test.ts.)
 */
import { execFileSync, spawnSync } from "node:child_process";
import { rmSync } from "node:fs";
import { afterAll, beforeAll, expect, it } from "vitest";
import { shellQuote } from "../../src/cli/run.js";
import { addClient, BIN, sandbox, type Sandbox } from "../support/e2e.js";

let sb: Sandbox;
let cid: string;
let note: string;
beforeAll(() => {
  sb = sandbox();
  cid = addClient(sb, "Pipe Reader");
  note = sb.ok(["note", "add", cid, "-F", "-"], { input: "a long line of clinical text\n".repeat(5000) });
});
afterAll(() => rmSync(sb.home, { recursive: true, force: true }));

const log = (): { command: string; read: string[] }[] => JSON.parse(sb.ok(["access-log", "--json"]));

it("`note show … | head -c1`: the read is logged though the reader went away", () => {
  const before = log().length;
  const cmd = `${[process.execPath, BIN, "note", "show", note].map(shellQuote).join(" ")} | head -c1 >/dev/null`;
  const r = spawnSync("sh", ["-c", cmd], { cwd: sb.repo, env: sb.env, encoding: "utf8" });
  expect(r.status).toBe(0);
  const entries = log().slice(before).filter((e) => e.command === "note show");
  expect(entries).toHaveLength(1);
  expect(entries[0]?.read).toContain(`${cid}/${note}`);
});

it("`git log -p` decrypts through the diff driver and each record it shows is logged", () => {
  const before = log().length;
  const out = execFileSync("git", ["log", "-p", "--", "clients"], { cwd: sb.repo, env: sb.env, encoding: "utf8", maxBuffer: 1 << 26 });
  expect(out).toContain("a long line of clinical text");
  const entries = log().slice(before).filter((e) => e.command === "textconv");
  const read = entries.flatMap((e) => e.read);
  expect(read).toContain(`${cid}/${note}`);
  expect(read).toContain(cid);
});
