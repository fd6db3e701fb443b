/**
 * Passphrase-protected identities and the unlock agent (docs/agent.md), through the real binary:
 * init --passphrase, key protect [--remove], unlock/lock, the idle timeout, a killed agent, two
 * unlocks at once, the secret never in the agent's argv or environment nor in any file, commits
 * made through the agent verified by stock git, the identity opened by stock age on a terminal.
 * Every test ends its agents.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { decryptWithPassphrase } from "../../src/store/age.js";
import { BIN, sandbox, type Sandbox } from "../support/e2e.js";
import { AGE } from "../support/verify.js";

const PASS = "correct horse battery staple";
const HAS_SCRIPT = spawnSync("script", ["--version"]).status === 0 && existsSync(AGE);

/** A process that still runs (a zombie waiting for its parent to reap it has ended). */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return !/^\d+ \(.*\) Z/.test(stat);
  } catch {
    return false;
  }
}

async function until(what: string, fn: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > end) throw new Error(`timed out waiting: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const started: { sb: Sandbox; pids: Set<number> }[] = [];

function protectedSandbox(): Sandbox {
  const bare = sandbox({ init: false });
  const r = bare.run(["init", bare.repo, "--passphrase-stdin"], { input: `${PASS}\n`, cwd: bare.home });
  if (r.code !== 0) throw new Error(r.stderr);
  // Commands run in the chart, as a sandbox made with init does.
  const sb: Sandbox = { ...bare, run: (args, o = {}) => bare.run(args, { cwd: bare.repo, ...o }), ok: (args, o = {}) => bare.ok(args, { cwd: bare.repo, ...o }) };
  started.push({ sb, pids: new Set() });
  return sb;
}

function unlock(sb: Sandbox, args: string[] = [], pass = PASS): { code: number; pid?: number; stderr: string } {
  const r = sb.run(["--json", "unlock", "--passphrase-stdin", ...args], { input: `${pass}\n` });
  if (r.code !== 0) return { code: r.code, stderr: r.stderr };
  const pid = (JSON.parse(r.stdout) as { agent: { pid: number } }).agent.pid;
  const entry = started.find((s) => s.sb === sb);
  if (entry) entry.pids.add(pid);
  else started.push({ sb, pids: new Set([pid]) });
  return { code: 0, pid, stderr: r.stderr };
}

afterEach(async () => {
  for (const { sb, pids } of started.splice(0)) {
    sb.run(["lock"]);
    for (const pid of pids) {
      if (running(pid)) process.kill(pid, "SIGTERM");
      await until(`agent ${pid} to end`, () => !running(pid));
    }
  }
});

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return filesUnder(p);
    return e.isFile() ? [p] : [];
  });
}

// Each unlock costs a scrypt (about a second, several on a loaded machine).
describe("passphrase-protected identity and the unlock agent", { timeout: 240_000 }, () => {
  it("init --passphrase: locked without the agent (exit 6, hint), then everything through the agent; lock ends it", async () => {
    const sb = protectedSandbox();
    const idText = readFileSync(sb.identity, "utf8");
    expect(idText.startsWith("-----BEGIN AGE ENCRYPTED FILE-----")).toBe(true);
    expect(statSync(sb.identity).mode & 0o777).toBe(0o600);
    const signing = readFileSync(`${sb.identity}.signing`, "utf8");
    expect(signing).not.toContain("OPENSSH PRIVATE KEY");

    const locked = sb.run(["client", "list"]);
    expect(locked.code).toBe(6);
    expect(locked.stderr).toMatch(/passphrase-protected and locked/);
    expect(locked.stderr).toMatch(/hint: run chart unlock/);
    const lockedJson = sb.run(["--json", "client", "list"]);
    expect(JSON.parse(lockedJson.stderr)).toMatchObject({ error: { code: "E_IDENTITY_LOCKED" } });
    const st = JSON.parse(sb.ok(["--json", "status"])) as { protection: { protected: boolean; agent: unknown } };
    expect(st.protection).toEqual({ protected: true, agent: null });

    const wrong = unlock(sb, [], "not the passphrase");
    expect(wrong.code).toBe(6);
    expect(wrong.stderr).toMatch(/wrong passphrase/);

    let { pid } = unlock(sb);
    expect(pid).toBeGreaterThan(0);
    const id = sb.ok(["client", "add", "--name", "Ann Example"]);
    const note = sb.ok(["note", "add", id, "-m", "first session, through the agent"]);
    expect(sb.ok(["note", "list", id])).toContain("first session");
    expect(sb.ok(["note", "show", note])).toContain("through the agent");
    sb.ok(["note", "sign", note]);
    // A second unlock finds it: nothing asked, the same agent.
    expect(JSON.parse(sb.ok(["--json", "unlock"])).agent.pid).toBe(pid);

    // Every commit, signed through the agent, verifies with stock git.
    const commits = spawnSync("git", ["rev-list", "HEAD"], { cwd: sb.repo, encoding: "utf8" }).stdout.trim().split("\n");
    expect(commits.length).toBeGreaterThanOrEqual(3);
    for (const c of commits) {
      const v = spawnSync("git", ["-c", "gpg.ssh.allowedSignersFile=.chart/allowed_signers", "verify-commit", c], { cwd: sb.repo, env: sb.env, encoding: "utf8" });
      expect(v.status, v.stderr).toBe(0);
    }

    // The secret: not in the agent's argv or environment, nor in any file under HOME.
    const secret = /^AGE-SECRET-KEY-1\S+$/m.exec(new TextDecoder().decode(await decryptWithPassphrase(Buffer.from(idText), PASS)))?.[0] as string;
    expect(secret).toMatch(/^AGE-SECRET-KEY-1/);
    const cmdline = readFileSync(`/proc/${pid as number}/cmdline`, "utf8");
    const environ = readFileSync(`/proc/${pid as number}/environ`, "utf8");
    for (const s of [secret, PASS]) {
      expect(cmdline).not.toContain(s);
      expect(environ).not.toContain(s);
    }
    for (const f of filesUnder(sb.home)) {
      const text = readFileSync(f, "latin1");
      expect(text.includes(secret), f).toBe(false);
      expect(text.includes(PASS), f).toBe(false);
      expect(text.includes("BEGIN OPENSSH PRIVATE KEY"), f).toBe(false);
    }
    // The agent's folder and socket are private.
    const sockDir = join(sb.runtimeDir, "chart");
    expect(statSync(sockDir).mode & 0o777).toBe(0o700);
    const sock = readdirSync(sockDir).find((n) => n.endsWith(".sock")) as string;
    expect(statSync(join(sockDir, sock)).mode & 0o777).toBe(0o600);

    if (HAS_SCRIPT) {
      // Locked, on a terminal: the command asks for the passphrase itself (one scrypt), once.
      sb.ok(["lock"]);
      const r = spawnSync("sh", ["-c", `(sleep 2; printf '%s\r' "$PASS") | script -qec "'${process.execPath}' '${BIN}' client list" /dev/null`], { cwd: sb.repo, env: { ...sb.env, PASS }, timeout: 60_000, encoding: "utf8" });
      expect(r.stdout).toContain("Passphrase for");
      expect(r.stdout).toContain("Ann Example");
      pid = unlock(sb).pid;
    }
    const status = JSON.parse(sb.ok(["--json", "status"])) as { protection: { agent: { pid: number; remainingSeconds: number } } };
    expect(status.protection.agent.pid).toBe(pid);
    expect(status.protection.agent.remainingSeconds).toBeGreaterThan(0);
    expect(sb.ok(["key", "show"])).toMatch(/your passphrase: passphrase-protected, unlocked \(agent pid \d+\)/);

    expect(sb.run(["lock"]).stderr).toContain(`agent (pid ${pid as number}) has ended`);
    await until("the agent to end", () => !running(pid as number));
    expect(readdirSync(sockDir).filter((n) => n.endsWith(".sock"))).toEqual([]);
    expect(sb.run(["note", "list", id]).code).toBe(6);
  });

  it("key protect on an existing chart; stock age opens the identity on a terminal; --remove takes it off", () => {
    const sb = sandbox();
    const id = sb.ok(["client", "add", "--name", "Bea Example"]);
    sb.ok(["key", "protect", "--passphrase-stdin"], { input: `${PASS}\n` });
    expect(readFileSync(sb.identity, "utf8").startsWith("-----BEGIN AGE ENCRYPTED FILE-----")).toBe(true);
    expect(sb.run(["client", "show", id]).code).toBe(6);
    expect(sb.run(["key", "protect", "--passphrase-stdin"], { input: `${PASS}\n` }).code).toBe(6); // already
    if (HAS_SCRIPT) {
      // stock age asks for an identity file's passphrase on a terminal only: script(1) gives it one
      const macs = join(sb.repo, ".chart", "macs.age");
      const r = spawnSync("sh", ["-c", `(sleep 1; printf '%s\\n' "$PASS") | script -qec "${AGE} -d -i '${sb.identity}' '${macs}'" /dev/null`], { env: { ...process.env, PASS }, timeout: 60_000, encoding: "utf8" });
      expect(r.stdout).toContain("kind: mac-key");
    } else console.warn("agent.test: script(1) or age missing; stock age not tried");
    unlock(sb);
    sb.ok(["note", "add", id, "-m", "after protecting"]);
    sb.ok(["key", "protect", "--remove", "--passphrase-stdin"], { input: `${PASS}\n` });
    expect(readFileSync(sb.identity, "utf8")).toMatch(/^# created/);
    expect(readFileSync(`${sb.identity}.signing`, "utf8")).toContain("BEGIN OPENSSH PRIVATE KEY");
    expect(sb.ok(["note", "list", id])).toContain("after protecting");
    expect(sb.run(["unlock", "--passphrase-stdin"], { input: `${PASS}\n` }).code).toBe(6); // nothing to unlock
  });

  it("the idle timeout ends the agent and removes its socket", async () => {
    const sb = protectedSandbox();
    const { pid } = unlock(sb, ["--idle", "2s"]);
    sb.ok(["client", "list"]);
    await until("the idle agent to end", () => !running(pid as number));
    expect(readdirSync(join(sb.runtimeDir, "chart")).filter((n) => n.endsWith(".sock"))).toEqual([]);
    expect(sb.run(["client", "list"]).code).toBe(6);
    expect(sb.run(["--json", "unlock", "--idle", "2"]).code).toBe(2); // a span needs its unit
    // The lifetime ends it even while it is in use.
    const busy = unlock(sb, ["--idle", "1h", "--lifetime", "4s"]);
    const t0 = Date.now();
    while (running(busy.pid as number) && Date.now() - t0 < 30_000) {
      sb.run(["client", "list"]);
      await new Promise((r) => setTimeout(r, 300));
    }
    expect(running(busy.pid as number)).toBe(false);
  });

  it("a killed agent's socket is replaced by the next unlock; two unlocks at once leave one agent", async () => {
    const sb = protectedSandbox();
    const first = unlock(sb);
    process.kill(first.pid as number, "SIGKILL");
    await until("the killed agent", () => !running(first.pid as number));
    expect(readdirSync(join(sb.runtimeDir, "chart")).some((n) => n.endsWith(".sock"))).toBe(true); // left behind
    expect(sb.run(["client", "list"]).code).toBe(6);
    expect(JSON.parse(sb.ok(["--json", "status"])).protection.agent).toBeNull();
    sb.ok(["lock"]); // removes the stale socket, says nothing was running

    const both = await Promise.all(
      [0, 1].map(
        () =>
          new Promise<number>((resolve, reject) => {
            const child = spawn(process.execPath, [BIN, "--json", "unlock", "--passphrase-stdin"], { cwd: sb.repo, env: sb.env, stdio: ["pipe", "pipe", "pipe"] });
            let out = "";
            child.stdout.on("data", (c: Buffer) => (out += c.toString()));
            child.stdin.end(`${PASS}\n`);
            child.on("close", (code) => (code === 0 ? resolve((JSON.parse(out) as { agent: { pid: number } }).agent.pid) : reject(new Error(`unlock exited ${code}`))));
          }),
      ),
    );
    for (const p of both) started.find((s) => s.sb === sb)?.pids.add(p);
    expect(both[0]).toBe(both[1]);
    sb.ok(["client", "list"]);
  });

  it("a rotation on a protected device keeps the new identity protected, and the agent moves to it", async () => {
    const sb = protectedSandbox();
    const first = unlock(sb);
    const id = sb.ok(["client", "add", "--name", "Cal Example"]);
    sb.ok(["key", "rotate", "--yes", "--passphrase-stdin"], { input: `${PASS}\n` });
    await until("the old agent to end", () => !running(first.pid as number));
    expect(readFileSync(sb.identity, "utf8").startsWith("-----BEGIN AGE ENCRYPTED FILE-----")).toBe(true);
    expect(readFileSync(`${sb.identity}.signing`, "utf8")).not.toContain("OPENSSH PRIVATE KEY");
    const agent = (JSON.parse(sb.ok(["--json", "status"])) as { protection: { agent: { pid: number } } }).protection.agent;
    started.find((s) => s.sb === sb)?.pids.add(agent.pid);
    expect(sb.ok(["client", "show", id])).toContain("Cal Example");
    sb.ok(["note", "add", id, "-m", "after the rotation"]);
  });
});
