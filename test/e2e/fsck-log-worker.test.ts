/**
 * `chart fsck --decrypt` checks the access log in a worker thread of its own (src/store/fsck.ts
 * checkAccessLog; the built CLI has the worker, the sources run by the in-process harness do
 * not). Its findings must be the ones the in-process reading gives: the same log, untouched and
 * tampered in each way the chain check reports, is checked both ways and the output compared.
 */
import { spawnSync, execFileSync } from "node:child_process";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BIN } from "../support/e2e.js";
import { inprocSandbox, type Inproc } from "../support/inproc.js";
import { AGE } from "../support/verify.js";

let sb: Inproc;
let nid: string;
const file = (name: string) => join(sb.repo, ".git", "chart", name);
let saved: Record<string, string | undefined> = {};

/** The log, its head and tail as they are now (fsck --decrypt appends a line: put back after each run). */
const save = () => {
  saved = Object.fromEntries(["access.log", "access.head", "access.tail"].map((n) => [n, existsSync(file(n)) ? readFileSync(file(n), "utf8") : undefined]));
};
const restore = () => {
  for (const [n, text] of Object.entries(saved)) {
    if (text === undefined) rmSync(file(n), { force: true });
    else writeFileSync(file(n), text);
  }
};

/** fsck --decrypt in-process (no worker) and by the built CLI (the log read in a worker), from the same files. */
async function bothWays(): Promise<{ inproc: { code: number; stdout: string }; built: { code: number; stdout: string } }> {
  save();
  const a = await sb.run(["fsck", "--decrypt"]);
  restore();
  const r = spawnSync(process.execPath, [BIN, "fsck", "--decrypt"], { cwd: sb.repo, env: sb.env, encoding: "utf8", timeout: 60_000 });
  restore();
  return { inproc: { code: a.code, stdout: a.stdout }, built: { code: r.status ?? -1, stdout: r.stdout } };
}

async function same(what?: RegExp): Promise<void> {
  const { inproc, built } = await bothWays();
  expect(built).toEqual(inproc);
  if (what) {
    expect(built.code).toBe(3);
    expect(built.stdout).toMatch(what);
  } else expect(built.code, built.stdout).toBe(0);
}

beforeAll(async () => {
  sb = await inprocSandbox();
  const cid = await sb.ok(["client", "add", "--name", "Log Worker"]);
  nid = await sb.ok(["note", "add", cid, "-m", "A note."]);
  for (let i = 0; i < 3; i++) await sb.ok(["note", "show", nid]);
}, 60_000);
afterAll(() => rmSync(sb.home, { recursive: true, force: true }));

describe("fsck --decrypt: the access log checked in a worker", () => {
  it("gives the in-process findings for a log untouched, out of sequence, cut, or with its head missing or forged", async () => {
    await same();
    const original = readFileSync(file("access.log"), "utf8");
    const head = readFileSync(file("access.head"), "utf8");
    const lines = original.split("\n").filter(Boolean);
    try {
      writeFileSync(file("access.log"), [lines[1], lines[0], ...lines.slice(2)].join("\n") + "\n");
      await same(/out of sequence/);
      writeFileSync(file("access.log"), `${lines.slice(0, -2).join("\n")}\n`);
      await same(/the last 2 entries were deleted/);
      writeFileSync(file("access.log"), original);
      rmSync(file("access.head"));
      await same(/head record .* is missing/);
      writeFileSync(file("access.head"), head.replace(/"seq":\d+/, `"seq":${lines.length - 1}`));
      await same(/head record .* is not authentic/);
      writeFileSync(file("access.head"), head);
      // A line that does not decrypt is counted, not reported (the same both ways).
      writeFileSync(file("access.log"), `${original}not base64 at all\n`);
      const { inproc, built } = await bothWays();
      expect(built).toEqual(inproc);
    } finally {
      writeFileSync(file("access.log"), original);
      writeFileSync(file("access.head"), head);
    }
    await same();
  }, 120_000);

  it("gives the in-process findings for a recovery key's lines (MAC-authenticated), altered, or naming another MAC key (read in-process)", async () => {
    if (!existsSync(AGE)) return;
    const recovery = join(sb.home, "recovery-identity");
    execFileSync("age-keygen", ["-o", recovery], { stdio: "ignore" });
    const r = execFileSync("age-keygen", ["-y", recovery], { encoding: "utf8" }).trim();
    await sb.ok(["key", "add", r, "--label", "recovery"]);
    expect((await sb.run(["note", "show", nid, "--identity", recovery])).code).toBe(0);
    await same();
    const original = readFileSync(file("access.log"), "utf8");
    const last = original.split("\n").filter(Boolean).at(-1) as string;
    const plain = JSON.parse(execFileSync(AGE, ["-d", "-i", sb.identity], { input: Buffer.from(last, "base64") }).toString()) as { mac: string; mk: string };
    expect(plain.mac).toMatch(/^[0-9a-f]{64}$/);
    const recipients = readFileSync(join(sb.repo, ".chart", "recipients"), "utf8").split("\n").filter((l) => l.startsWith("age1"));
    const encrypt = (entry: object) => execFileSync(AGE, recipients.flatMap((x) => ["-r", x]), { input: JSON.stringify(entry) }).toString("base64");
    try {
      writeFileSync(file("access.log"), original.replace(last, encrypt({ ...plain, command: "client list" })));
      await same(/MAC .* does not verify/);
      writeFileSync(file("access.log"), original.replace(last, encrypt({ ...plain, mk: "0".repeat(40) })));
      await same(/MAC .* does not verify/);
    } finally {
      writeFileSync(file("access.log"), original);
    }
    await same();
  }, 120_000);
});
