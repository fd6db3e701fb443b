/**
 * `chart sync`: fetch, verify what arrived, integrate, push (docs/sync.md). Integration is git's
 * merge with every conflicted path settled here, in memory: records are decrypted on both sides
 * (and the base), merged by src/domain/merge.ts, re-encrypted; key sets are merged three-way and
 * every file the merged keys do not cover is re-encrypted. No conflict marker ever reaches a file
 * and no git text reaches the user. A failure at any step leaves the repository as it was.
 */
import { randomBytes } from "node:crypto";
import { access, mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { ChartError, conflict, keyError, storageError, withCause } from "../domain/errors.js";
import { mergeKeySets, mergeRecord } from "../domain/merge.js";
import { parseRecordPath, type AnyRecord } from "../domain/record.js";
import { makeCipher, type Cipher } from "./age.js";
import { writeFileAtomic } from "./atomic.js";
import type { Env } from "./env.js";
import { parseEnvelope, serialize } from "./envelope.js";
import { commitMerge, gitOr, type Git } from "./git.js";
import { storeUntrackedCache } from "./worktree.js";
import type { Identity } from "./identity.js";
import { withLock } from "./lock.js";
import { readPin, writePin } from "./pin.js";
import { mapLimit } from "./pool.js";
import { formatRecipients, parseRecipients, type RecipientEntry } from "./recipients.js";
import { fetchRemote, pushRemote, type RemoteOptions } from "./remote.js";
import { recipientsHash } from "./repo.js";
import { verifyArriving, verifyLocal } from "./sync-verify.js";
import { WRITE_LOCK_TIMEOUT_MS } from "./write-lock.js";

export interface SyncTarget {
  root: string;
  gitDir: string;
  git: Git;
  identity: Identity;
  env: Env;
}

export interface MergedRecord {
  path: string;
  conflicts: string[]; // fields both devices changed; the other value is kept in `alternatives`
}

export interface SyncResult {
  remote: string;
  branch: string;
  integrated: "up-to-date" | "fast-forward" | "merge" | "nothing-remote";
  pushed: boolean;
  verified: number; // record files that arrived and were decrypted and MAC-checked
  commitsVerified: number; // arriving commits whose signatures and key changes were checked before integrating
  unverified: number; // arrived but this device cannot open them yet (waiting to be added)
  merged: MergedRecord[];
  reencrypted: number;
  keysChanged: boolean; // the chart's keys differ from what this device trusted
  interruptedCleared: boolean;
}

export interface SyncOptions extends RemoteOptions {
  push: boolean;
  trustKeys: boolean;
}

const exists = (p: string) =>
  access(p).then(
    () => true,
    () => false,
  );

const dec = new TextDecoder("utf-8", { fatal: true });
const MAC_RE = /^key: ([0-9a-f]{64})$/m;

async function rev(git: Git, ref: string): Promise<string | undefined> {
  return (await git.raw(["rev-parse", "--verify", "--quiet", `${ref}^{commit}`]).catch(() => "")).trim() || undefined;
}

async function isAncestor(git: Git, a: string, b: string): Promise<boolean> {
  return git.raw(["merge-base", "--is-ancestor", a, b]).then(
    () => true,
    () => false,
  );
}

const blob = (git: Git, spec: string): Promise<Buffer | undefined> => git.rawBuffer(["cat-file", "blob", spec]).catch(() => undefined);

/** The chart's state at one commit: its keys and, when this device can open it, its MAC key. */
interface Side {
  commit: string;
  recipients: RecipientEntry[];
  macKey?: Uint8Array;
  macBlob?: Buffer;
}

async function sideAt(git: Git, cipher: Cipher, commit: string): Promise<Side> {
  const rtext = (await blob(git, `${commit}:.chart/recipients`))?.toString("utf8") ?? "";
  const macBlob = await blob(git, `${commit}:.chart/macs.age`);
  let macKey: Uint8Array | undefined;
  if (macBlob) {
    try {
      const m = MAC_RE.exec(dec.decode(await cipher.decrypt(macBlob)));
      if (m) macKey = Buffer.from(m[1] as string, "hex");
    } catch {
      /* this device is not among that commit's recipients */
    }
  }
  return { commit, recipients: parseRecipients(rtext), macKey, macBlob };
}

const keySetHash = (entries: readonly RecipientEntry[]): string => recipientsHash(formatRecipients(entries));
const sameKeys = (a: readonly RecipientEntry[], b: readonly RecipientEntry[]) => keySetHash(a) === keySetHash(b);
const sameMac = (a?: Uint8Array, b?: Uint8Array) => !!a && !!b && Buffer.from(a).equals(Buffer.from(b));

async function openRecord(cipher: Cipher, data: Buffer, path: string, macKey: Uint8Array): Promise<AnyRecord> {
  return parseEnvelope(dec.decode(await cipher.decrypt(data)), path, macKey);
}

/** The branch chart works on, and the remote's branch to integrate (whatever its default). */
async function remoteTip(git: Git, remote: string, branch: string): Promise<string | undefined> {
  const own = await rev(git, `refs/remotes/${remote}/${branch}`);
  if (own) return own;
  const heads = (await git.raw(["for-each-ref", "--format=%(refname)", `refs/remotes/${remote}/`]))
    .split("\n")
    .filter((r) => r !== "" && !r.endsWith("/HEAD"));
  if (heads.length === 1) return rev(git, heads[0] as string);
  if (heads.length > 1) {
    throw storageError("E_SYNC_BRANCH", `${remote} has no branch "${branch}" and ${heads.length} others; chart cannot tell which holds the chart`, `push the chart's branch there with: git push ${remote} ${branch}`);
  }
  return undefined;
}

export async function currentBranch(git: Git): Promise<string> {
  return (await git.raw(["symbolic-ref", "--quiet", "--short", "HEAD"]).catch(() => "main")).trim() || "main";
}

/** A sync killed mid-merge left MERGE_HEAD: put the work tree back as it was before it. */
export async function clearInterruptedMerge(t: Pick<SyncTarget, "gitDir" | "git">): Promise<boolean> {
  if (!(await exists(join(t.gitDir, "MERGE_HEAD")))) return false;
  await gitOr("merge --abort", () => t.git.raw(["merge", "--abort"]));
  return true;
}

async function assertClean(git: Git): Promise<void> {
  const dirty = await gitOr("status", () => git.raw(["status", "--porcelain", "--untracked-files=all", "--", "clients", ".chart", ".gitattributes", ".gitignore"]));
  if (dirty.trim() !== "") {
    throw conflict("E_DIRTY", "the chart has uncommitted changes; nothing was synced", "run chart fsck --repair to commit what a killed command left (or discard the changes with git), then sync again");
  }
}

/** Every record that arrived (changed between `from` and `to`) decrypts and verifies under `to`'s MAC key. */
async function verifyArrived(git: Git, cipher: Cipher, from: string, to: Side): Promise<{ verified: number; unverified: number }> {
  const paths = (await git.raw(["diff", "--name-only", "-z", "--no-renames", "--diff-filter=d", from, to.commit, "--", "clients"]))
    .split("\0")
    .filter((p) => p !== "");
  if (!to.macKey) return { verified: 0, unverified: paths.length };
  const macKey = to.macKey;
  const bad: string[] = [];
  await mapLimit(paths, async (path) => {
    const data = await blob(git, `${to.commit}:${path}`);
    try {
      if (!data || !parseRecordPath(path)) throw new Error("not a record");
      await openRecord(cipher, data, path, macKey);
    } catch {
      bad.push(path);
    }
  });
  if (bad.length) {
    bad.sort();
    throw new ChartError(
      "invalid",
      "E_SYNC_UNVERIFIED",
      `${bad.length} record file(s) from the remote do not decrypt or verify (altered, forged or corrupted), e.g. ${bad[0]}; nothing was integrated`,
      "check the remote's history (git log -p REMOTE/BRANCH -- PATH) and repair it from a device that wrote it",
      { paths: bad },
    );
  }
  return { verified: paths.length, unverified: 0 };
}

/**
 * chart changes the MAC key only together with the set of keys (key remove, key rotate). A
 * commit that arrives with a new MAC key and the same keys as its parent was written by
 * something else: anyone can encrypt a new MAC key to the chart's recipients and forge records
 * under it. (A changed key set is caught by the recipient pin; signed history closes the rest.)
 */
async function assertMacChangesExplained(git: Git, cipher: Cipher, from: string, to: string): Promise<void> {
  const out = await git.raw(["log", "--full-history", "--format=%H %P", `${from}..${to}`, "--", ".chart/macs.age"]).catch(() => "");
  const sides = new Map<string, Promise<Side>>();
  const side = (c: string) => {
    let p = sides.get(c);
    if (!p) sides.set(c, (p = sideAt(git, cipher, c)));
    return p;
  };
  for (const line of out.split("\n").filter((l) => l.trim() !== "")) {
    const [commit, ...parents] = line.trim().split(" ") as [string, ...string[]];
    const at = await side(commit);
    if (!at.macKey) continue;
    for (const parent of parents) {
      const before = await side(parent);
      if (before.macKey && !sameMac(before.macKey, at.macKey) && sameKeys(before.recipients, at.recipients)) {
        throw new ChartError(
          "invalid",
          "E_SYNC_UNVERIFIED",
          `a commit from the remote (${commit.slice(0, 12)}) replaced the chart's MAC key without changing its keys, which chart never does; nothing was integrated`,
          "check the remote's history (git log -p REMOTE/BRANCH -- .chart) with the devices that write to it",
        );
      }
    }
  }
}

/** Merge `theirs` into HEAD, settling every conflict in chart code, and commit. */
async function mergeInto(t: SyncTarget, cipher: Cipher, ours: Side, theirs: Side, opts: SyncOptions): Promise<{ merged: MergedRecord[]; reencrypted: number; keys: RecipientEntry[] }> {
  const { git, root } = t;
  const baseCommit = (await git.raw(["merge-base", ours.commit, theirs.commit]).catch(() => "")).trim();
  const base = baseCommit ? await sideAt(git, cipher, baseCommit) : undefined;
  await assertMacChangesExplained(git, cipher, baseCommit || ours.commit, theirs.commit);
  if (!ours.macKey) throw keyError("E_WRONG_IDENTITY", "this device cannot open its own copy of the chart", "see chart status");

  const keys = mergeKeySets(base?.recipients, ours.recipients, theirs.recipients);
  if (!keys.some((k) => k.recipient === t.identity.recipient)) {
    throw keyError("E_SYNC_KEY_REMOVED", "this device's key was removed from the chart on the remote; nothing was integrated", "this device can no longer sync the chart; ask a device that can still read it");
  }
  const pinned = await readPin(t.gitDir);
  const keysHash = keySetHash(keys);
  if (pinned !== undefined && pinned !== keysHash && !opts.trustKeys) {
    throw keyError(
      "E_RECIPIENTS_CHANGED",
      "the chart's keys changed on the remote; merging would encrypt this device's new records for them, so nothing was integrated",
      `check them with: git diff HEAD ${theirs.commit.slice(0, 12)} -- .chart/recipients; then run chart sync --trust-keys`,
    );
  }
  // The MAC key: one side's rotation wins over an unchanged key; two rotations make a fresh one.
  let macKey: Uint8Array;
  if (sameMac(ours.macKey, theirs.macKey)) macKey = ours.macKey;
  else if (!theirs.macKey) throw keyError("E_SYNC_KEY_REMOVED", "this device cannot open the remote's chart (its key was removed there?); nothing was integrated", "see chart status on a device that can read the chart");
  else if (base?.macKey && sameMac(base.macKey, ours.macKey)) macKey = theirs.macKey;
  else if (base?.macKey && sameMac(base.macKey, theirs.macKey)) macKey = ours.macKey;
  else macKey = new Uint8Array(randomBytes(32));
  const fits = (s: Side) => sameKeys(keys, s.recipients) && sameMac(macKey, s.macKey);
  const target = await makeCipher(t.identity.key, keys.map((k) => k.recipient));

  await git.raw(["merge", "--no-ff", "--no-commit", "--no-edit", theirs.commit]).catch(() => undefined);
  if (!(await exists(join(t.gitDir, "MERGE_HEAD")))) {
    throw storageError("E_SYNC_MERGE", "git could not start the merge; nothing was integrated", "run chart status, then sync again");
  }
  const merged: MergedRecord[] = [];
  let reencrypted = 0;
  try {
    const unmerged = new Map<string, Map<number, string>>();
    for (const line of (await git.raw(["ls-files", "-u", "-z"])).split("\0")) {
      const m = /^\d+ ([0-9a-f]+) (\d)\t(.+)$/s.exec(line);
      if (!m) continue;
      const [, sha, stage, path] = m as unknown as [string, string, string, string];
      if (!unmerged.has(path)) unmerged.set(path, new Map());
      unmerged.get(path)?.set(Number(stage), sha);
    }
    const written: string[] = [];
    const write = async (path: string, data: Uint8Array | string) => {
      await mkdir(dirname(join(root, path)), { recursive: true });
      await writeFileAtomic(join(root, path), data, 0o600);
      written.push(path);
    };
    const resolvedPaths = new Set<string>();
    const recordAtSha = async (sha: string | undefined, path: string, side: Side | undefined): Promise<AnyRecord | undefined> => {
      if (!sha || !side?.macKey) return undefined;
      const data = await git.rawBuffer(["cat-file", "blob", sha]);
      return openRecord(cipher, data, path, side.macKey);
    };
    await mapLimit([...unmerged], async ([path, stages]) => {
      if (path === ".chart/recipients" || path === ".chart/macs.age") return; // written below
      const where = parseRecordPath(path);
      if (!where) {
        if (path === ".chart/format") throw storageError("E_FORMAT", "the remote's chart has another format version; nothing was integrated", "upgrade chart on every device");
        if (path.startsWith(".chart/templates/") && path.endsWith(".md") && stages.get(2) && stages.get(3)) {
          // A template both devices changed: this device's stays, the other's is kept beside it.
          const other = path.replace(/\.md$/, "-other.md");
          await write(path, await git.rawBuffer(["cat-file", "blob", stages.get(2) as string]));
          await write(other, await git.rawBuffer(["cat-file", "blob", stages.get(3) as string]));
          resolvedPaths.add(path);
          merged.push({ path, conflicts: [`the other device's version is ${other}`] });
          return;
        }
        // Plain text chart files (.gitignore, .gitattributes): keep both sides' lines.
        const o = stages.get(2);
        const th = stages.get(3);
        const text = async (sha?: string) => (sha ? (await git.rawBuffer(["cat-file", "blob", sha])).toString("utf8") : "");
        const lines = [...new Set([...(await text(o)).split("\n"), ...(await text(th)).split("\n")])].filter((l) => l !== "");
        await write(path, `${lines.join("\n")}\n`);
        resolvedPaths.add(path);
        return;
      }
      const o = await recordAtSha(stages.get(2), path, ours);
      const th = await recordAtSha(stages.get(3), path, theirs);
      let b: AnyRecord | undefined;
      try {
        b = await recordAtSha(stages.get(1), path, base);
      } catch {
        b = undefined; // an unreadable base: a two-way merge
      }
      let record: AnyRecord;
      let conflicts: string[] = [];
      if (o && th) ({ record, conflicts } = mergeRecord(b, o, th));
      else record = (o ?? th) as AnyRecord; // changed on one side, deleted on the other: kept
      // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- o ?? th is undefined when the path is on neither side
      if (!record) throw storageError("E_SYNC_MERGE", `${path} is missing on both sides`);
      await write(path, await target.encrypt(serialize(record, path, macKey)));
      resolvedPaths.add(path);
      merged.push({ path, conflicts });
    });

    // Every other record must be readable by the merged keys under the merged MAC key.
    const oursTree = await treeShas(git, ours.commit);
    const theirsTree = await treeShas(git, theirs.commit);
    const index = (await git.raw(["ls-files", "-s", "-z", "--", "clients"]))
      .split("\0")
      .map((l) => /^\d+ ([0-9a-f]+) 0\t(.+)$/s.exec(l))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => ({ sha: m[1] as string, path: m[2] as string }))
      .filter((e) => !resolvedPaths.has(e.path) && parseRecordPath(e.path));
    await mapLimit(index, async ({ sha, path }) => {
      const fromOurs = oursTree.get(path) === sha;
      const fromTheirs = theirsTree.get(path) === sha;
      if ((fromTheirs && fits(theirs)) || (fromOurs && fits(ours))) return;
      const side = fromOurs ? ours : theirs;
      const record = await recordAtSha(sha, path, side);
      if (!record) throw storageError("E_SYNC_MERGE", `${path} could not be re-encrypted`);
      await write(path, await target.encrypt(serialize(record, path, macKey)));
      reencrypted += 1;
    });

    // The key files.
    const recipientsText = formatRecipients(keys);
    await writeFile(join(root, ".chart", "recipients"), recipientsText);
    written.push(".chart/recipients");
    if (fits(ours) && ours.macBlob) await write(".chart/macs.age", ours.macBlob);
    else if (fits(theirs) && theirs.macBlob) await write(".chart/macs.age", theirs.macBlob);
    else await write(".chart/macs.age", await target.encrypt(`chart: 1\nkind: mac-key\nkey: ${Buffer.from(macKey).toString("hex")}\n`));

    if (written.length) await gitOr("add", () => git.raw(["add", "--all", "--", ...new Set(written)]));
    const left = (await git.raw(["ls-files", "-u", "-z"])).trim();
    if (left !== "") throw storageError("E_SYNC_MERGE", "some files could not be merged; nothing was integrated", "run chart sync again; if it fails again, report it");
    await commitMerge(git, "chart: sync");
  } catch (e) {
    await git.raw(["merge", "--abort"]).catch(() => undefined);
    if (e instanceof ChartError) throw e;
    throw withCause(storageError("E_SYNC_MERGE", "the remote's work could not be merged; nothing was integrated", "run chart fsck --decrypt here, then sync again"), e);
  }
  merged.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { merged, reencrypted, keys };
}

async function treeShas(git: Git, commit: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const l of (await git.raw(["ls-tree", "-r", "-z", commit, "--", "clients"])).split("\0")) {
    const m = /^\d+ blob ([0-9a-f]+)\t(.+)$/s.exec(l);
    if (m) out.set(m[2] as string, m[1] as string);
  }
  return out;
}

/** Fetch, verify, integrate, push; retried when the push races another device's. */
export async function sync(t: SyncTarget, remote: string, opts: SyncOptions): Promise<SyncResult> {
  const { git } = t;
  const branch = await currentBranch(git);
  const cipher = await makeCipher(t.identity.key, [t.identity.recipient]);
  const result: SyncResult = {
    remote,
    branch,
    integrated: "up-to-date",
    pushed: false,
    verified: 0,
    commitsVerified: 0,
    unverified: 0,
    merged: [],
    reencrypted: 0,
    keysChanged: false,
    interruptedCleared: false,
  };
  for (let attempt = 0; ; attempt += 1) {
    await fetchRemote(t.root, t.env, remote, opts);
    const head = await withLock(t.gitDir, WRITE_LOCK_TIMEOUT_MS, async () => {
      result.interruptedCleared ||= await clearInterruptedMerge(t);
      await assertClean(git);
      const headNow = await rev(git, "HEAD");
      if (!headNow) throw storageError("E_SYNC_NO_HEAD", "this chart has no commit yet", "run chart init");
      // This device's own history first: nothing it cannot accept is merged with or pushed.
      await verifyLocal(git, t.gitDir, headNow);
      const tip = await remoteTip(git, remote, branch);
      if (!tip) {
        result.integrated = result.integrated === "up-to-date" ? "nothing-remote" : result.integrated;
        return headNow;
      }
      if (tip === headNow || (await isAncestor(git, tip, headNow))) return headNow;
      // Every arriving commit, before anything is merged or fast-forwarded (docs/verifiable-history.md).
      result.commitsVerified += await verifyArriving(git, headNow, tip, `${remote}/${branch}`);
      const theirs = await sideAt(git, cipher, tip);
      const ours = await sideAt(git, cipher, headNow);
      if (await isAncestor(git, headNow, tip)) {
        await assertMacChangesExplained(git, cipher, headNow, tip);
        const v = await verifyArrived(git, cipher, headNow, theirs);
        if (v.unverified && ours.macKey) {
          throw keyError("E_SYNC_KEY_REMOVED", "this device cannot open the remote's chart (its key was removed there?); nothing was integrated", "see chart status on a device that can read the chart");
        }
        result.verified += v.verified;
        result.unverified += v.unverified;
        await gitOr("merge", () => git.raw(["merge", "--ff-only", "--quiet", tip]));
        if (result.integrated !== "merge") result.integrated = "fast-forward";
        await storeUntrackedCache(git); // for the whole-chart check (src/store/worktree.ts)
        return tip;
      }
      if (!ours.macKey) {
        throw keyError("E_WRONG_IDENTITY", "this device cannot open the chart yet, and its copy has diverged from the remote", "see chart status");
      }
      const baseCommit = (await git.raw(["merge-base", headNow, tip]).catch(() => "")).trim();
      const v = await verifyArrived(git, cipher, baseCommit || headNow, theirs);
      result.verified += v.verified;
      const m = await mergeInto(t, cipher, ours, theirs, opts);
      result.merged.push(...m.merged);
      result.reencrypted += m.reencrypted;
      result.integrated = "merge";
      if (opts.trustKeys || (await readPin(t.gitDir)) === undefined) await writePin(t.gitDir, keySetHash(m.keys));
      await storeUntrackedCache(git);
      return rev(git, "HEAD") as Promise<string>;
    });
    const pinned = await readPin(t.gitDir);
    const nowKeys = parseRecipients((await blob(git, `${head}:.chart/recipients`))?.toString("utf8") ?? "");
    result.keysChanged = pinned !== undefined && pinned !== keySetHash(nowKeys);
    if (!opts.push) return result;
    const tip = await remoteTip(git, remote, branch);
    if (tip === head) return result;
    const outcome = await pushRemote(t.root, t.env, remote, branch, opts);
    if (outcome === "pushed") {
      result.pushed = true;
      return result;
    }
    if (attempt >= 2) {
      throw storageError("E_PUSH_REJECTED", `${remote} refused the push three times (another device keeps pushing, or the remote refuses updates)`, "run chart sync again in a moment; your work is committed here and nothing is lost");
    }
  }
}
