/**
 * The unlock agent (docs/agent.md): a detached process that holds this device's unlocked keys
 * for a session and answers on a private Unix socket. It gives out one file's key for an age
 * header, and Ed25519 signatures of PROTOCOL.sshsig signed data; never the secret keys. It ends
 * after its idle timeout or its lifetime, on `stop` (chart lock) or a signal, and when its socket
 * is taken away; it removes its socket as it goes.
 */
import { sign } from "node:crypto";
import { lstat, open, readFile, unlink } from "node:fs/promises";
import { createServer, type Server, type Socket } from "node:net";
import type { Decrypter } from "age-encryption";
import { ChartError, keyError } from "../domain/errors.js";
import { decrypterFor } from "./age.js";
import { agentCall, type AgentInfo } from "./agent-client.js";
import { ensurePrivateDir, type AgentPaths } from "./agent-paths.js";
import { identityHash, isProtectedText, parseIdentityFile, readIdentityFile, unlockIdentityText } from "./identity.js";
import { oldIdentityPaths } from "./old-identities.js";
import { pidAlive } from "./pid.js";
import { mapLimit } from "./pool.js";
import { createSigningKey, isProtectedSigningText, openProtectedSigningText, readSigningKeyText, signingKeyPath } from "./signing-key.js";
import { parsePrivateKeyFile, signedDataOf, type LocalSigningKey } from "./sshsig.js";

export interface AgentKeys {
  identityPath: string;
  identityHash: string;
  recipient: string;
  /** The current identity only (everyday reads). */
  current: Decrypter;
  /** The current identity and the ones kept from before a rotation (git's diff driver). */
  all: Decrypter;
  signing: LocalSigningKey;
}

/**
 * Open the protected identity with the passphrase (one scrypt), the identities kept from before
 * a rotation that the same passphrase opens (in parallel), and the signing key (age-encrypted to
 * the identity: no further scrypt). A device without a signing key gets one, protected.
 */
export async function unlockKeys(identityPath: string, passphrase: string): Promise<AgentKeys> {
  const bytes = await readIdentityFile(identityPath);
  if (!isProtectedText(bytes.toString("utf8"))) {
    throw keyError("E_IDENTITY_NOT_PROTECTED", `the identity ${identityPath} is not passphrase-protected: there is nothing to unlock`, "protect it with chart key protect, or just use chart without unlocking");
  }
  const olds = (await oldIdentityPaths(identityPath)).filter((p) => !p.endsWith(".signing"));
  const secrets = await mapLimit([identityPath, ...olds], async (p, i) => {
    if (i === 0) return unlockIdentityText(bytes, passphrase, identityPath);
    try {
      const b = await readIdentityFile(p);
      const text = b.toString("utf8");
      return isProtectedText(text) ? await unlockIdentityText(b, passphrase, p) : parseIdentityFile(text, p);
    } catch {
      return undefined; // another passphrase, or unreadable: that history stays closed
    }
  }, 2);
  const secret = secrets[0] as string;
  const { identityToRecipient } = await import("age-encryption");
  const recipient = await identityToRecipient(secret);
  const sPath = signingKeyPath(identityPath);
  const text = await readSigningKeyText(sPath);
  let signing: LocalSigningKey;
  try {
    signing = text === undefined ? await createSigningKey(sPath, { protectFor: recipient }) : isProtectedSigningText(text) ? await openProtectedSigningText(text, secret) : parsePrivateKeyFile(text);
  } catch (e) {
    if (e instanceof ChartError) throw e;
    throw keyError("E_SIGNING_KEY_INVALID", `${sPath} is not a usable Ed25519 signing key (${(e as Error).message})`, "restore it from your backup");
  }
  return {
    identityPath,
    identityHash: identityHash(bytes),
    recipient,
    current: await decrypterFor([secret]),
    all: await decrypterFor(secrets.filter((s): s is string => s !== undefined)),
    signing,
  };
}

type Request = { id?: unknown; op?: unknown } & Record<string, unknown>;

const MAX_LINE = 1 << 20;
const NAMESPACE_RE = /^[A-Za-z0-9@._-]{1,64}$/;

export interface RunningAgent {
  info(): AgentInfo;
  /** Ends the agent: no more requests, socket removed (if still ours), then onExit. */
  stop(reason: string): void;
}

/**
 * Answer on an already listening server until the idle timeout, the lifetime, a stop request or
 * a signal. `onExit` is called once, after the socket is removed.
 */
export function runAgent(server: Server, paths: AgentPaths, keys: AgentKeys, opts: { idleMs: number; lifetimeMs: number; now?: () => number; onExit: (reason: string) => void }): RunningAgent {
  const now = opts.now ?? Date.now;
  const startedAt = now();
  const expiresAt = startedAt + opts.lifetimeMs;
  let lastUse = startedAt;
  let ino: number | undefined;
  let stopped = false;
  const sockets = new Set<Socket>();
  void lstat(paths.socket).then((st) => (ino = st.ino), () => undefined);

  const info = (): AgentInfo => ({
    pid: process.pid,
    recipient: keys.recipient,
    signingKey: keys.signing.publicKey,
    identityPath: keys.identityPath,
    startedAt,
    expiresAt,
    idleMs: opts.idleMs,
    lastUse,
    idleEndsAt: Math.min(lastUse + opts.idleMs, expiresAt),
  });

  let idle = setTimeout(() => stop("idle"), opts.idleMs);
  const touch = () => {
    lastUse = now();
    clearTimeout(idle);
    idle = setTimeout(() => stop("idle"), opts.idleMs);
  };
  const lifetime = setTimeout(() => stop("lifetime"), opts.lifetimeMs);
  // The socket must still be this agent's (a later unlock replaced a socket it found dead, or
  // someone removed it): otherwise no client can reach it, and it ends.
  const watch = setInterval(() => {
    void lstat(paths.socket).then(
      (st) => {
        if (ino !== undefined && st.ino !== ino) stop("replaced");
      },
      () => stop("socket removed"),
    );
  }, 5_000);

  function stop(reason: string): void {
    if (stopped) return;
    stopped = true;
    clearTimeout(idle);
    clearTimeout(lifetime);
    clearInterval(watch);
    server.close();
    for (const s of sockets) s.destroy();
    void (async () => {
      const st = await lstat(paths.socket).catch(() => undefined);
      if (st && (ino === undefined || st.ino === ino)) await unlink(paths.socket).catch(() => undefined);
      opts.onExit(reason);
    })();
  }

  async function answer(req: Request, introduced: { ok: boolean }): Promise<Record<string, unknown>> {
    const fail = (code: string, message: string) => ({ ok: false, code, message });
    switch (req.op) {
      case "status":
        return { ok: true, info: info() };
      case "hello":
        if (req.identity !== keys.identityHash) return fail("E_AGENT_OTHER_IDENTITY", "this agent holds another identity");
        introduced.ok = true;
        return { ok: true, info: info() };
      case "stop":
        return { ok: true }; // the agent stops once this answer is written (below)
      case "key": {
        if (!introduced.ok) return fail("E_AGENT_HELLO", "say hello with the identity first");
        if (typeof req.header !== "string" || req.header.length > MAX_LINE) return fail("E_AGENT_BAD_REQUEST", "no header");
        touch();
        try {
          const key = await (req.old === true ? keys.all : keys.current).decryptHeader(new Uint8Array(Buffer.from(req.header, "base64")));
          return { ok: true, key: Buffer.from(key).toString("base64") };
        } catch (e) {
          return fail(/no identity matched/.test((e as Error).message) ? "E_AGENT_NO_MATCH" : "E_AGENT_BAD_HEADER", "the header does not open");
        }
      }
      case "sign": {
        if (!introduced.ok) return fail("E_AGENT_HELLO", "say hello with the identity first");
        const digest = typeof req.digest === "string" ? Buffer.from(req.digest, "base64") : Buffer.alloc(0);
        const ns = typeof req.namespace === "string" ? req.namespace : "";
        const alg = req.hash === "sha512" ? 64 : req.hash === "sha256" ? 32 : 0;
        if (!NAMESPACE_RE.test(ns) || alg === 0 || digest.length !== alg) return fail("E_AGENT_BAD_REQUEST", "a signature needs a namespace, sha512 or sha256, and a digest of that size");
        touch();
        // Only PROTOCOL.sshsig signed data (its magic, namespace and hash): never raw bytes.
        return { ok: true, sig: sign(null, signedDataOf(ns, req.hash as string, digest), keys.signing.privateKey).toString("base64") };
      }
      default:
        return fail("E_AGENT_BAD_REQUEST", "unknown request");
    }
  }

  server.on("connection", (sock) => {
    sockets.add(sock);
    sock.on("close", () => sockets.delete(sock));
    sock.on("error", () => sock.destroy());
    sock.setEncoding("utf8");
    const introduced = { ok: false };
    let buf = "";
    let out: string[] = [];
    let stopAfter = false;
    const reply = (line: string) => {
      if (out.length === 0) {
        // Answers finished in the same turn go out in one write.
        setImmediate(() => {
          const lines = out;
          out = [];
          const then = () => {
            if (stopAfter) stop("stopped");
          };
          if (!sock.destroyed) sock.write(lines.join(""), then);
          else then();
        });
      }
      out.push(line);
    };
    sock.on("data", (chunk: string) => {
      buf += chunk;
      if (buf.length > MAX_LINE && !buf.includes("\n")) {
        sock.destroy();
        return;
      }
      for (let nl = buf.indexOf("\n"); nl >= 0; nl = buf.indexOf("\n")) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        let req: Request;
        try {
          req = JSON.parse(line) as Request;
        } catch {
          sock.destroy();
          return;
        }
        const id = typeof req.id === "number" ? req.id : 0;
        if (req.op === "stop") stopAfter = true;
        void answer(req, introduced).then((r) => reply(`${JSON.stringify({ ...r, id })}\n`));
      }
    });
  });
  return { info, stop };
}

export type Listening = { server: Server } | { already: AgentInfo };

/**
 * Listen on the identity's socket, unless an agent for the same identity already answers there
 * (two unlocks at once: the second finds the first). A socket left by a killed agent is removed;
 * an agent holding another version of the identity (rotated, re-protected) is stopped. A lock
 * file around the check and the listen keeps two starting agents from both listening.
 */
export async function listenExclusive(paths: AgentPaths, hash: string): Promise<Listening> {
  await ensurePrivateDir(paths.dir, true);
  await takeLock(paths.lock);
  try {
    const hello = await agentCall(paths.socket, { op: "hello", identity: hash });
    if (typeof hello === "object") {
      if (hello.ok) return { already: hello.info as AgentInfo };
      await agentCall(paths.socket, { op: "stop" });
      for (let i = 0; i < 40 && (await lstat(paths.socket).then(() => true, () => false)); i += 1) await new Promise((r) => setTimeout(r, 50));
    }
    await unlink(paths.socket).catch(() => undefined); // stale: nothing answers there
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(paths.socket, () => resolve());
    });
    const { chmod } = await import("node:fs/promises");
    await chmod(paths.socket, 0o600);
    return { server };
  } finally {
    await unlink(paths.lock).catch(() => undefined);
  }
}

async function takeLock(lock: string): Promise<void> {
  for (let attempt = 0; ; attempt += 1) {
    try {
      const fh = await open(lock, "wx", 0o600);
      await fh.writeFile(String(process.pid));
      await fh.close();
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    }
    const pid = Number((await readFile(lock, "utf8").catch(() => "")).trim());
    // An empty file: its writer is between creating and filling it.
    if ((pid === 0 && attempt < 20) || (pid !== 0 && pidAlive(pid) && attempt <= 200)) await new Promise((r) => setTimeout(r, 50));
    else await unlink(lock).catch(() => undefined);
  }
}
