/**
 * Talking to the unlock agent (docs/agent.md): one connection per process or worker thread,
 * requests pipelined on it (newline-delimited JSON, answered by id) and written in one batch per
 * turn of the event loop, so a listing of many files costs one socket write for many requests,
 * not a round trip each. The secret key stays in the agent: it answers with one file's key, or a
 * signature.
 */
import { connect, type Socket } from "node:net";
import { keyError } from "../domain/errors.js";

/** The agent that holds this device's identity, and the identity file it must have unlocked. */
export interface AgentKey {
  socket: string;
  /** SHA-256 of the protected identity file's bytes: the agent refuses any other identity. */
  identityHash: string;
  /** Try the identities kept from before a key rotation too (git's diff driver). */
  old?: boolean;
}

/** What the agent says about itself (`status`, and the answer to `hello`). */
export interface AgentInfo {
  pid: number;
  recipient: string;
  signingKey: string | null;
  identityPath: string;
  startedAt: number;
  expiresAt: number;
  idleMs: number;
  lastUse: number;
  /** When the idle timeout ends it, at the latest, unless used before. */
  idleEndsAt: number;
}

type Reply = { id: number; ok: boolean; code?: string; message?: string } & Record<string, unknown>;

interface Conn {
  sock: Socket;
  pending: Map<number, { resolve: (r: Reply) => void; reject: (e: unknown) => void }>;
  queue: string[];
  next: number;
  hello?: Promise<AgentInfo>;
  dead?: Error;
}

const conns = new Map<string, Conn>();

const gone = (): Error =>
  keyError("E_AGENT_GONE", "the unlock agent stopped while this command was using it (chart lock, its idle timeout or its lifetime)", "run chart unlock, then the command again");

function open(socket: string, name: string): Conn {
  const sock = connect(socket);
  const c: Conn = { sock, pending: new Map(), queue: [], next: 1 };
  let buf = "";
  sock.setEncoding("utf8");
  sock.unref(); // an idle connection never keeps a command alive
  sock.on("data", (chunk: string) => {
    buf += chunk;
    for (let nl = buf.indexOf("\n"); nl >= 0; nl = buf.indexOf("\n")) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      let r: Reply;
      try {
        r = JSON.parse(line) as Reply;
      } catch {
        continue;
      }
      const p = c.pending.get(r.id);
      if (!p) continue;
      c.pending.delete(r.id);
      if (c.pending.size === 0) sock.unref();
      p.resolve(r);
    }
  });
  const fail = (e: Error) => {
    c.dead = e;
    conns.delete(name);
    for (const p of c.pending.values()) p.reject(e);
    c.pending.clear();
  };
  sock.on("error", (e: NodeJS.ErrnoException) => {
    fail(e.code === "ENOENT" || e.code === "ECONNREFUSED" ? Object.assign(gone(), { cause: e }) : e);
  });
  sock.on("close", () => fail(gone()));
  return c;
}

function send(c: Conn, req: Record<string, unknown>): Promise<Reply> {
  if (c.dead) return Promise.reject(c.dead);
  const id = c.next++;
  if (c.queue.length === 0) {
    // One write for every request made in this turn (a worker decrypting many files at once).
    setImmediate(() => {
      const lines = c.queue.splice(0);
      if (lines.length && !c.dead) c.sock.write(lines.join(""));
    });
  }
  c.queue.push(`${JSON.stringify({ ...req, id })}\n`);
  if (c.pending.size === 0) c.sock.ref();
  return new Promise((resolve, reject) => c.pending.set(id, { resolve, reject }));
}

function refused(r: Reply): Error {
  if (r.code === "E_AGENT_OTHER_IDENTITY") {
    return keyError("E_AGENT_OTHER_IDENTITY", "the unlock agent holds another version of this identity (it changed since chart unlock)", "run chart unlock again");
  }
  return keyError("E_AGENT_REFUSED", `the unlock agent refused: ${(r.message ?? r.code ?? "error").slice(0, 200)}`, "run chart unlock again");
}

/** The connection for this agent and identity, introduced once (hello) before any other request. */
function conn(key: AgentKey): { c: Conn; ready: Promise<AgentInfo> } {
  const name = `${key.socket}\0${key.identityHash}`;
  let c = conns.get(name);
  if (!c || c.dead) {
    c = open(key.socket, name);
    conns.set(name, c);
    const cc = c;
    c.hello = send(c, { op: "hello", identity: key.identityHash }).then((r) => {
      if (!r.ok) throw refused(r);
      return r.info as AgentInfo;
    });
    c.hello.catch(() => {
      cc.sock.destroy();
      conns.delete(name);
    });
  }
  return { c, ready: c.hello as Promise<AgentInfo> };
}

/** Introduce this process to the agent: its state, or a typed error when it holds another identity. */
export async function agentHello(key: AgentKey): Promise<AgentInfo> {
  return conn(key).ready;
}

/** The file key of one age file, from its header (everything up to and including the MAC line). */
export async function agentFileKey(key: AgentKey, header: Uint8Array): Promise<Uint8Array> {
  const { c, ready } = conn(key);
  await ready;
  const r = await send(c, { op: "key", header: Buffer.from(header).toString("base64"), old: !!key.old });
  if (r.ok && typeof r.key === "string") return new Uint8Array(Buffer.from(r.key, "base64"));
  if (r.code === "E_AGENT_NO_MATCH") throw new Error("no identity matched any of the file's recipients");
  throw refused(r);
}

/** An Ed25519 signature of PROTOCOL.sshsig signed data, made by the agent. */
export async function agentSign(key: AgentKey, namespace: string, hashAlg: string, digest: Buffer): Promise<Buffer> {
  const { c, ready } = conn(key);
  await ready;
  const r = await send(c, { op: "sign", namespace, hash: hashAlg, digest: digest.toString("base64") });
  if (r.ok && typeof r.sig === "string") return Buffer.from(r.sig, "base64");
  throw refused(r);
}

/**
 * One request on a connection of its own (status, stop): "none" when nothing listens, "stale"
 * when a socket is left by an agent that is gone (killed), else the reply.
 */
export function agentCall(socket: string, req: Record<string, unknown>, timeoutMs = 3_000): Promise<Reply | "none" | "stale"> {
  return new Promise((resolve) => {
    const sock = connect(socket);
    let buf = "";
    const done = (v: Reply | "none" | "stale") => {
      clearTimeout(timer);
      sock.destroy();
      resolve(v);
    };
    const timer = setTimeout(() => done("stale"), timeoutMs);
    sock.setEncoding("utf8");
    sock.on("connect", () => sock.write(`${JSON.stringify({ ...req, id: 1 })}\n`));
    sock.on("data", (chunk: string) => {
      buf += chunk;
      const nl = buf.indexOf("\n");
      if (nl < 0) return;
      try {
        done(JSON.parse(buf.slice(0, nl)) as Reply);
      } catch {
        done("stale");
      }
    });
    sock.on("error", (e: NodeJS.ErrnoException) => done(e.code === "ENOENT" ? "none" : "stale"));
    sock.on("close", () => done("stale"));
  });
}

/** The running agent's state; undefined when none runs (a stale socket counts as none). */
export async function agentStatus(socket: string): Promise<AgentInfo | undefined> {
  const r = await agentCall(socket, { op: "status" });
  return typeof r === "object" && r.ok ? (r.info as AgentInfo) : undefined;
}
