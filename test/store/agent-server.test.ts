/**
 * The unlock agent's protocol in-process (docs/agent.md): it serves only the identity file it
 * unlocked, needs a hello first, signs only SSHSIG data, closes a connection that sends garbage,
 * refuses a folder others can enter, and removes its socket when it stops.
 */
import { chmodSync, existsSync, mkdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encryptFor } from "../../src/store/age.js";
import { agentCall, agentFileKey, agentHello, agentSign } from "../../src/store/agent-client.js";
import { agentPaths, ensurePrivateDir } from "../../src/store/agent-paths.js";
import { listenExclusive, runAgent, unlockKeys, type RunningAgent } from "../../src/store/agent-server.js";
import { createIdentity } from "../../src/store/identity.js";
import { ageHeader } from "../../src/store/age.js";
import { tempDir } from "../support/tmp.js";

const PASS = "agent test passphrase";

describe("the unlock agent's protocol", { timeout: 120_000 }, () => {
  let dir: string;
  let idPath: string;
  let recipient: string;
  let agent: RunningAgent;
  let exited: Promise<string>;
  let hash: string;
  // TMPDIR too: when the runtime folder's socket path is too long, agentPaths falls back to
  // $TMPDIR/chart-UID, and without it to /tmp/chart-UID, which this test would leave behind.
  const env = (): Record<string, string> => ({ XDG_RUNTIME_DIR: join(dir, "run"), TMPDIR: dir });

  beforeAll(async () => {
    dir = tempDir("ag-"); // short: a socket path must fit sockaddr_un (agent-paths.ts)
    mkdirSync(join(dir, "run"), { mode: 0o700 });
    idPath = join(dir, "identity");
    recipient = (await createIdentity(idPath, new Date(), { passphrase: PASS })).recipient;
    await expect(unlockKeys(idPath, "wrong")).rejects.toMatchObject({ code: "E_PASSPHRASE_WRONG" });
    const keys = await unlockKeys(idPath, PASS);
    hash = keys.identityHash;
    expect(existsSync(`${idPath}.signing`)).toBe(true); // a device without one gets it, protected
    const paths = agentPaths(env(), idPath);
    const l = await listenExclusive(paths, keys.identityHash);
    if (!("server" in l)) throw new Error("an agent was already running");
    let done: (r: string) => void = () => undefined;
    exited = new Promise((r) => (done = r));
    agent = runAgent(l.server, paths, keys, { idleMs: 60_000, lifetimeMs: 60_000, onExit: done });
  });

  afterAll(async () => {
    agent.stop("test over");
    await exited;
  });

  it("a private folder and socket; a folder others can enter is refused", async () => {
    const paths = agentPaths(env(), idPath);
    expect(statSync(paths.dir).mode & 0o777).toBe(0o700);
    expect(statSync(paths.socket).mode & 0o777).toBe(0o600);
    const open = join(dir, "open");
    mkdirSync(open, { mode: 0o755 });
    chmodSync(open, 0o755);
    await expect(ensurePrivateDir(open, true)).rejects.toMatchObject({ code: "E_AGENT_DIR", exit: 6 });
  });

  it("a second agent for the same identity finds the first instead of listening", async () => {
    const again = await listenExclusive(agentPaths(env(), idPath), hash);
    expect("already" in again && again.already.pid).toBe(process.pid);
  });

  it("answers hello only for the identity file it unlocked; nothing else before hello", async () => {
    const socket = agentPaths(env(), idPath).socket;
    const other = await agentCall(socket, { op: "hello", identity: "0".repeat(64) });
    expect(other).toMatchObject({ ok: false, code: "E_AGENT_OTHER_IDENTITY" });
    await expect(agentHello({ socket, identityHash: "f".repeat(64) })).rejects.toMatchObject({ code: "E_AGENT_OTHER_IDENTITY" });
    expect(await agentCall(socket, { op: "key", header: "AAAA" })).toMatchObject({ ok: false, code: "E_AGENT_HELLO" });
    expect(await agentCall(socket, { op: "sign", namespace: "git", hash: "sha512", digest: Buffer.alloc(64).toString("base64") })).toMatchObject({ ok: false, code: "E_AGENT_HELLO" });
    expect(await agentCall(socket, { op: "status" })).toMatchObject({ ok: true, info: { recipient, pid: process.pid } });
    expect(await agentCall(socket, { op: "what" })).toMatchObject({ ok: false, code: "E_AGENT_BAD_REQUEST" });
  });

  it("gives one file's key for its header, never for a file that is not its own", async () => {
    const key = { socket: agentPaths(env(), idPath).socket, identityHash: hash };
    const mine = await encryptFor("hello", { recipients: [recipient] });
    const fileKey = await agentFileKey(key, ageHeader(mine));
    expect(fileKey.length).toBe(16);
    const theirs = await encryptFor("hello", { recipients: ["age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p"] });
    await expect(agentFileKey(key, ageHeader(theirs))).rejects.toThrow(/no identity matched/);
    // Many at once on one connection: pipelined, all answered.
    const many = await Promise.all(Array.from({ length: 50 }, () => agentFileKey(key, ageHeader(mine))));
    expect(many.every((k) => Buffer.from(k).equals(Buffer.from(fileKey)))).toBe(true);
  });

  it("signs SSHSIG data only: a namespace, a known hash, a digest of its size", async () => {
    const key = { socket: agentPaths(env(), idPath).socket, identityHash: hash };
    const sig = await agentSign(key, "git", "sha512", Buffer.alloc(64, 1));
    expect(sig.length).toBe(64);
    await expect(agentSign(key, "git", "sha512", Buffer.alloc(10))).rejects.toMatchObject({ code: "E_AGENT_REFUSED" });
    await expect(agentSign(key, "bad namespace!", "sha512", Buffer.alloc(64))).rejects.toMatchObject({ code: "E_AGENT_REFUSED" });
    await expect(agentSign(key, "git", "md5", Buffer.alloc(16))).rejects.toMatchObject({ code: "E_AGENT_REFUSED" });
  });

  it("a connection that sends garbage is closed; the agent keeps serving", async () => {
    const socket = agentPaths(env(), idPath).socket;
    const { connect } = await import("node:net");
    const closed = await new Promise<boolean>((resolve) => {
      const s = connect(socket);
      s.on("connect", () => s.write("this is not json\n"));
      s.on("close", () => resolve(true));
      s.on("error", () => resolve(true));
    });
    expect(closed).toBe(true);
    expect(await agentCall(socket, { op: "status" })).toMatchObject({ ok: true });
  });
});
