/**
 * The access log: every command that decrypts or writes records leaves one encrypted line in
 * .git/chart/access.log naming the records (ids only) and the command (never its arguments).
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { inprocSandbox, type Inproc } from "../support/inproc.js";
import { AGE } from "../support/verify.js";

let sb: Inproc;
let cid: string;
let nid: string;
const LOG = () => join(sb.repo, ".git", "chart", "access.log");

beforeAll(async () => {
  sb = await inprocSandbox();
  cid = await sb.ok(["client", "add", "--name", "Quentin Accesslogged"]);
  nid = await sb.ok(["note", "add", cid, "-m", "Distinctive-Access-Text about the session."]);
  await sb.ok(["note", "show", nid]);
});

describe("access log", () => {
  it("records reads and writes per command, by id, never content or arguments", async () => {
    const entries = JSON.parse(await sb.ok(["access-log", "--json"])) as { at: string; command: string; read: string[]; written: string[] }[];
    const byCommand = new Map(entries.map((e) => [e.command, e]));
    expect(byCommand.get("client add")?.written).toEqual([cid]);
    expect(byCommand.get("note add")?.written).toEqual([`${cid}/${nid}`]);
    expect(byCommand.get("note show")?.read).toContain(`${cid}/${nid}`);
    for (const e of entries) expect(e.at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const all = JSON.stringify(entries);
    expect(all).not.toContain("Quentin");
    expect(all).not.toContain("Distinctive-Access-Text");
  });

  it("is encrypted: each line opens with the stock age tool, and the file holds no plaintext", () => {
    const text = readFileSync(LOG(), "utf8");
    expect(text).not.toContain("note show");
    expect(text).not.toContain(cid);
    const first = text.split("\n")[0] as string;
    if (!existsSync(AGE)) return;
    const plain = execFileSync(AGE, ["-d", "-i", sb.identity], { input: Buffer.from(first, "base64") }).toString();
    expect(JSON.parse(plain).command).toBe("client add");
  });

  it("filters by client and date; a command that reads nothing adds nothing", async () => {
    const before = readFileSync(LOG(), "utf8").split("\n").length;
    await sb.ok(["note", "templates"]);
    expect(readFileSync(LOG(), "utf8").split("\n").length).toBe(before);
    const other = await sb.ok(["client", "add", "--name", "Other Person"]);
    const only = JSON.parse(await sb.ok(["access-log", "--json", "--client", other])) as { command: string }[];
    expect(only.map((e) => e.command)).toEqual(["client add"]);
    const all = JSON.parse(await sb.ok(["access-log", "--json"])) as { at: string }[];
    const last = (all.at(-1) as { at: string }).at.slice(0, 10);
    const since = JSON.parse(await sb.ok(["access-log", "--json", "--since", last])) as { at: string }[];
    expect(since.length).toBeGreaterThan(0);
    expect(since.every((e) => e.at.slice(0, 10) >= last)).toBe(true);
  });

  it("is chained and signed: a deleted, reordered or forged line is reported by access-log and fsck", async () => {
    const original = readFileSync(LOG(), "utf8");
    const lines = original.split("\n").filter(Boolean);
    expect(lines.length).toBeGreaterThan(3);
    const check = async (text: string, what: RegExp) => {
      writeFileSync(LOG(), text);
      const r = await sb.run(["access-log"]);
      expect(r.code).toBe(3);
      expect(r.stderr).toMatch(what);
      const f = await sb.run(["fsck"]);
      expect(f.code).toBe(3);
      expect(f.stdout).toMatch(/E_ACCESS_LOG_TAMPERED/);
      writeFileSync(LOG(), original);
    };
    await check([lines[0], ...lines.slice(2)].join("\n") + "\n", /out of sequence/);
    await check([lines[1], lines[0], ...lines.slice(2)].join("\n") + "\n", /out of sequence/);
    if (existsSync(AGE)) {
      // A forged entry, well placed in the chain, encrypted to the chart with stock age.
      const { createHash } = await import("node:crypto");
      const recipient = execFileSync("age-keygen", ["-y", sb.identity], { encoding: "utf8" }).trim();
      const prev = createHash("sha256").update(lines.at(-1) as string).digest("hex");
      const entry = { at: "2020-01-01T00:00:00Z", command: "client list", read: [], written: [], seq: lines.length + 1, prev, sig: "x" };
      const forged = execFileSync(AGE, ["-r", recipient], { input: JSON.stringify(entry) }).toString("base64");
      await check(`${original}${forged}\n`, /signature does not verify|not signed/);
    }
    expect((await sb.run(["access-log"])).code).toBe(0);
  });

  it("its end is anchored: the last lines cut, the head deleted, or a later append over a cut log are reported", async () => {
    const HEAD = join(sb.repo, ".git", "chart", "access.head");
    const original = readFileSync(LOG(), "utf8");
    const head = readFileSync(HEAD, "utf8");
    const lines = original.split("\n").filter(Boolean);
    const expectTampered = async (what: RegExp) => {
      const r = await sb.run(["access-log"]);
      expect(r.code, r.stderr).toBe(3);
      expect(r.stderr).toMatch(what);
      const f = await sb.run(["fsck"]);
      expect(f.code).toBe(3);
      expect(f.stdout).toMatch(/E_ACCESS_LOG_TAMPERED/);
    };
    writeFileSync(LOG(), `${lines.slice(0, -2).join("\n")}\n`);
    await expectTampered(/the last 2 entries were deleted/);
    // The next command appends: the cut is recorded in its (signed) line, not overwritten.
    await sb.ok(["note", "show", nid]);
    await expectTampered(/when this entry was written, the head recorded .* entries were deleted before it/);
    writeFileSync(LOG(), original);
    writeFileSync(HEAD, head);
    expect((await sb.run(["access-log"])).code).toBe(0);
    rmSync(HEAD);
    await expectTampered(/head record .* is missing/);
    writeFileSync(HEAD, head.replace(/"seq":\d+/, `"seq":${lines.length - 1}`));
    await expectTampered(/head record .* is not authentic/);
    writeFileSync(LOG(), "");
    writeFileSync(HEAD, head);
    await expectTampered(/the log is gone/);
    writeFileSync(LOG(), original);
    expect((await sb.run(["access-log"])).code).toBe(0);
  });

  it("a recovery key used with chart: its lines are authenticated with the chart's MAC key and counted as such", async () => {
    if (!existsSync(AGE)) return;
    const recovery = join(sb.home, "recovery-identity");
    execFileSync("age-keygen", ["-o", recovery], { stdio: "ignore" });
    const r = execFileSync("age-keygen", ["-y", recovery], { encoding: "utf8" }).trim();
    await sb.ok(["key", "add", r, "--label", "recovery"]);
    const shown = await sb.run(["note", "show", nid, "--identity", recovery]);
    expect(shown.code, shown.stderr).toBe(0);
    const log = await sb.run(["access-log"]);
    expect(log.code, log.stderr).toBe(0);
    expect(log.stderr).toMatch(/1 entry was written with a key that is not a device of the chart \(a recovery key\)/);
    const fp = execFileSync("ssh-keygen", ["-l", "-f", `${recovery}.signing`], { encoding: "utf8" }).split(" ")[1] as string;
    const entries = JSON.parse(await sb.ok(["access-log", "--json"])) as { command: string; otherKey?: string }[];
    expect(entries.filter((e) => e.otherKey)).toEqual([expect.objectContaining({ command: "note show", otherKey: fp })]);
    const f = await sb.run(["fsck"]);
    expect(f.code, f.stdout).toBe(0);
    // Its MAC is checked: the same line altered is reported.
    const lines = readFileSync(LOG(), "utf8").split("\n").filter(Boolean);
    const last = lines.at(-1) as string;
    const plain = JSON.parse(execFileSync(AGE, ["-d", "-i", sb.identity], { input: Buffer.from(last, "base64") }).toString()) as { mac: string; command: string };
    expect(plain.mac).toMatch(/^[0-9a-f]{64}$/);
    const recipients = readFileSync(join(sb.repo, ".chart", "recipients"), "utf8").split("\n").filter((l) => l.startsWith("age1"));
    const altered = execFileSync(AGE, recipients.flatMap((x) => ["-r", x]), { input: JSON.stringify({ ...plain, command: "client list" }) }).toString("base64");
    const original = readFileSync(LOG(), "utf8");
    writeFileSync(LOG(), original.replace(last, altered));
    const bad = await sb.run(["access-log"]);
    expect(bad.code).toBe(3);
    expect(bad.stderr).toMatch(/MAC .* does not verify/);
    writeFileSync(LOG(), original);
  });
});
