/**
 * Many devices through git (docs/sync.md): chart remote add|list, chart sync [REMOTE],
 * chart join URL [DIR], chart status.
 */
import { ensureSigningKey } from "../../store/signing-key.js";
import { protectionReport, readDevicePassphrase, unlockOptions } from "../unlock.js";
import { addLine } from "./key.js";
import type { Command } from "commander";
import { hostname } from "node:os";
import { access, readdir, rm } from "node:fs/promises";
import { basename, join, resolve } from "node:path";
import { ChartError, invalid, notFound, usageError } from "../../domain/errors.js";
import { shortId } from "../../domain/ids.js";
import { openGit, type Git } from "../../store/git.js";
import { createIdentity, identityExists, identityPath, loadIdentity, type Identity } from "../../store/identity.js";
import { readPin } from "../../store/pin.js";
import { parseRecipients } from "../../store/recipients.js";
import { addRemote, cloneRemote, listRemotes, timeoutFrom, type Progress } from "../../store/remote.js";
import { configureLocalGit, findRoot, openChart, recipientsHash, type Chart } from "../../store/repo.js";
import { currentBranch, sync } from "../../store/sync.js";
import { verifyClone } from "../../store/sync-verify.js";
import { fingerprint } from "../../store/sshsig.js";
import { readFile } from "node:fs/promises";
import type { Ctx } from "../context.js";
import type { Opts, Registrar } from "../program.js";
import { wire, type CommandSpec } from "../command.js";
import { arg, optFlag, optString } from "../options.js";
import type { Output } from "../output.js";
import type { RecipientEntry } from "../../store/recipients.js";
import type { staleIndexLock } from "../../store/index-lock.js";

const exists = (p: string) =>
  access(p).then(
    () => true,
    () => false,
  );

/** Progress on a TTY only: one rewritten line on stderr. */
function progress(ctx: Ctx): Progress | undefined {
  if (!ctx.deps.isTTY.stderr || ctx.out.json || ctx.out.quiet) return undefined;
  let last = "";
  return (stage, pct) => {
    const line = `${stage} ${pct}%`;
    if (line === last) return;
    last = line;
    ctx.deps.stderr.write(`\r\x1b[K${line}${pct >= 100 ? "\n" : ""}`);
  };
}

async function gitDirOf(root: string): Promise<string> {
  const text = await readFile(join(root, ".git"), "utf8").catch(() => undefined);
  const m = text ? /^gitdir: (.+)$/m.exec(text) : null;
  return m ? resolve(root, (m[1] as string).trim()) : join(root, ".git");
}

/** A clone refused before checkout goes away (the folder named stays, if it was there, empty). */
async function removeClone(target: string, existed: boolean): Promise<void> {
  if (!existed) return rm(target, { recursive: true, force: true });
  for (const name of await readdir(target)) await rm(join(target, name), { recursive: true, force: true });
}

/** The chart if this device can open it, or why not (a device waiting to be added). */
async function tryOpen(root: string, identity: Identity, ctx: Ctx): Promise<{ chart?: Chart; error?: ChartError }> {
  try {
    return { chart: await openChart(root, identity, ctx.deps.env) };
  } catch (e) {
    if (e instanceof ChartError && e.exit === 6) return { error: e };
    throw e;
  }
}

/** The line a device that can read runs to add this one: its recipient and its signing key. */
export const addKeyLine = async (identity: Identity, idPath: string, label: string): Promise<string> =>
  addLine(identity.recipient, (await ensureSigningKey(idPath, identity)).key.publicKey, label);

const defaultLabel = (ctx: Ctx): string => `${ctx.deps.env.USER ?? "device"}@${hostname()}`.replace(/\s+/g, "-");

async function defaultRemote(git: Git): Promise<string> {
  const names = (await git.raw(["remote"])).split("\n").filter((l) => l !== "");
  if (names.length === 0) throw notFound("E_NO_REMOTE", "this chart has no remote to sync with", "add one with: chart remote add NAME URL");
  if (names.includes("origin")) return "origin";
  if (names.length === 1) return names[0] as string;
  throw usageError("E_REMOTE_AMBIGUOUS", `this chart has ${names.length} remotes and none is called origin`, `name one: chart sync ${names[0]}`);
}

// ---- remote add / list ----------------------------------------------------------------------

export interface RemoteAddInput {
  name: string;
  url: string;
}

export function parseRemoteAdd(args: readonly string[]): RemoteAddInput {
  const name = arg(args, 0, "NAME");
  const url = arg(args, 1, "URL");
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) throw invalid("E_REMOTE_NAME", `"${name.slice(0, 40)}" is not a usable remote name`, "letters, digits, . _ - (e.g. backup)");
  if (url.startsWith("-") || url.trim() === "") throw invalid("E_REMOTE_URL", "that is not a remote address", "e.g. /mnt/backup/chart.git or git@host:chart.git");
  return { name, url };
}

export async function runRemoteAdd(ctx: Ctx, input: RemoteAddInput): Promise<RemoteAddInput> {
  const root = await findRoot(ctx.deps.env, ctx.deps.cwd, ctx.opts.repo);
  const existing = await listRemotes(root, ctx.deps.env);
  if (existing.some((r) => r.name === input.name)) throw invalid("E_REMOTE_EXISTS", `a remote called ${input.name} already exists`, "see chart remote list");
  await addRemote(root, ctx.deps.env, input.name, input.url);
  return { name: input.name, url: input.url };
}

export const remoteAdd: CommandSpec<RemoteAddInput, RemoteAddInput> = {
  parse: parseRemoteAdd,
  run: runRemoteAdd,
  text: (out, r) => out.info(`added remote ${r.name}; run chart sync ${r.name} to send the chart there`),
};

type Remotes = Awaited<ReturnType<typeof listRemotes>>;

export const remoteList: CommandSpec<Record<string, never>, Remotes> = {
  parse: () => ({}),
  run: async (ctx) => listRemotes(await findRoot(ctx.deps.env, ctx.deps.cwd, ctx.opts.repo), ctx.deps.env),
  text: (out, rs) => {
    if (rs.length === 0) {
      out.info("no remotes; add one with chart remote add NAME URL");
      return;
    }
    out.table(rs.map((r) => [r.name, r.url]), ["NAME", "URL"]);
  },
};

// ---- sync -----------------------------------------------------------------------------------

export interface SyncInput {
  /** Default: origin, or the only remote. */
  remote?: string | undefined;
  push: boolean;
  trustKeys: boolean;
}

export const parseSync = (args: readonly string[], opts: Opts): SyncInput => ({ remote: args[0], push: opts.push !== false, trustKeys: optFlag(opts, "trustKeys") });

export interface SyncCommandResult {
  remote: string;
  res: Awaited<ReturnType<typeof sync>>;
  /** Whether this device can open the chart after the sync. */
  readable: boolean;
}

export async function runSync(ctx: Ctx, input: SyncInput): Promise<SyncCommandResult> {
  const root = await findRoot(ctx.deps.env, ctx.deps.cwd, ctx.opts.repo);
  const idPath = identityPath(ctx.deps.env, ctx.deps.cwd, ctx.opts.identity);
  const identity = await loadIdentity(idPath, unlockOptions(ctx.deps));
  // Merge commits are signed by this device like every chart commit (src/store/git.ts).
  const git = openGit(root, ctx.deps.env, (await ensureSigningKey(idPath, identity)).key);
  const remoteName = input.remote ?? (await defaultRemote(git));
  const known = (await git.raw(["remote"])).split("\n");
  if (!known.includes(remoteName)) throw notFound("E_NO_REMOTE", `no remote called ${remoteName}`, "see chart remote list, or add it with chart remote add NAME URL");
  const res = await sync({ root, gitDir: await gitDirOf(root), git, identity, env: ctx.deps.env }, remoteName, {
    push: input.push,
    trustKeys: input.trustKeys,
    timeoutMs: timeoutFrom(ctx.deps.env),
    progress: progress(ctx),
  });
  const readable = !(await tryOpen(root, identity, ctx)).error;
  return { remote: remoteName, res, readable };
}

export function printSync(out: Output, { remote: remoteName, res, readable }: SyncCommandResult): void {
  if (res.interruptedCleared) out.info("an interrupted sync had left a merge half done: undone, then synced again");
  const what = {
    "up-to-date": "already had everything",
    "nothing-remote": `${remoteName} held no chart yet`,
    "fast-forward": "took the remote's new work",
    merge: "merged this device's work with the remote's",
  }[res.integrated];
  out.info(`${what}${res.commitsVerified ? `; ${res.commitsVerified} arriving commit(s) verified before integrating` : ""}${res.verified ? `; ${res.verified} arriving record file(s) decrypted and verified` : ""}${res.pushed ? `; pushed to ${remoteName}` : ""}`);
  for (const m of res.merged.filter((x) => x.conflicts.length)) {
    out.warn(`${m.path}: both devices changed ${m.conflicts.join(", ")}; kept the later edit, the other is kept as an alternative (chart note resolve for notes)`);
  }
  if (res.reencrypted) out.info(`re-encrypted ${res.reencrypted} record file(s) for the merged keys`);
  if (res.keysChanged) out.warn("the chart's keys changed; check them with chart key show, then accept them with chart key trust");
  if (!readable) out.warn("this device cannot read the chart yet: see chart status");
}

export const syncCommand: CommandSpec<SyncInput, SyncCommandResult> = {
  parse: parseSync,
  run: runSync,
  text: printSync,
  json: (r) => ({ ...r.res, readable: r.readable }),
};

// ---- join -----------------------------------------------------------------------------------

export interface JoinInput {
  url: string;
  dir?: string | undefined;
  /** Default: user@host. */
  label?: string | undefined;
  postQuantum: boolean;
  passphrase: boolean;
  passphraseStdin: boolean;
}

export function parseJoin(args: readonly string[], opts: Opts): JoinInput {
  const url = arg(args, 0, "URL");
  if (url.startsWith("-")) throw invalid("E_REMOTE_URL", "that is not a remote address");
  return {
    url,
    dir: args[1],
    label: optString(opts, "label"),
    postQuantum: optFlag(opts, "postQuantum"),
    passphrase: optFlag(opts, "passphrase"),
    passphraseStdin: optFlag(opts, "passphraseStdin"),
  };
}

export interface JoinResult {
  root: string;
  identity: string;
  identityCreated: boolean;
  recipient: string;
  readable: boolean;
  /** The line a device that can read runs to add this one. */
  line: string;
  signers: { fingerprint: string; label: string }[];
}

export async function runJoin(ctx: Ctx, input: JoinInput): Promise<JoinResult> {
  const u = input.url;
  const target = resolve(ctx.deps.cwd, input.dir ?? (basename(u.replace(/\/+$/, "")).replace(/\.git$/, "") || "chart"));
  const existed = await exists(target);
  if (existed && (await readdir(target)).length > 0) {
    throw invalid("E_JOIN_EXISTS", `${target} already exists and is not empty`, "name an empty or new folder: chart join URL DIR");
  }
  await cloneRemote(u, target, ctx.deps.env, { timeoutMs: timeoutFrom(ctx.deps.env), progress: progress(ctx) });
  const git = openGit(target, ctx.deps.env);
  const branches = (await git.raw(["for-each-ref", "--format=%(refname:strip=3)", "refs/remotes/origin/"])).split("\n").filter((b) => b !== "" && b !== "HEAD");
  const branch = branches.includes("main") ? "main" : branches.length === 1 ? (branches[0] as string) : undefined;
  if (!branch) {
    throw notFound("E_JOIN_EMPTY", branches.length ? `${u} has several branches and no "main"` : `${u} holds no chart yet`, "on the device that has the chart: chart remote add NAME URL, then chart sync NAME");
  }
  // The whole history is verified before anything is checked out (src/store/sync-verify.ts).
  const tip = (await git.raw(["rev-parse", "--verify", `refs/remotes/origin/${branch}^{commit}`])).trim();
  const signers = await verifyClone(git, join(target, ".git"), tip, `origin/${branch}`).catch(async (e: unknown) => {
    await removeClone(target, existed);
    throw e;
  });
  await git.raw(["checkout", "--quiet", "-B", branch, "--track", `origin/${branch}`]);
  if (!(await exists(join(target, ".chart", "format")))) {
    throw notFound("E_NOT_A_CHART", `${u} is a git repository but not a chart`, "check the address");
  }
  await configureLocalGit(git, `${ctx.deps.selfCommand} textconv`);
  const idPath = identityPath(ctx.deps.env, ctx.deps.cwd, ctx.opts.identity);
  const had = await identityExists(idPath);
  const passphrase = !had && (input.passphrase || input.passphraseStdin) ? await readDevicePassphrase(ctx.deps, { fromStdin: input.passphraseStdin, choosing: true, message: "Passphrase for this device's new identity" }) : undefined;
  const identity = had ? await loadIdentity(idPath, unlockOptions(ctx.deps)) : await createIdentity(idPath, ctx.deps.now(), { postQuantum: input.postQuantum, passphrase });
  const label = input.label ?? defaultLabel(ctx);
  const { error } = await tryOpen(target, identity, ctx);
  const line = await addKeyLine(identity, idPath, label);
  const keys = signers.map((k) => ({ fingerprint: fingerprint(k.pub), label: k.label || k.principal }));
  return { root: target, identity: idPath, identityCreated: !had, recipient: identity.recipient, readable: !error, line, signers: keys };
}

export function printJoin(out: Output, r: JoinResult): void {
  if (r.identityCreated) out.info(`created identity ${r.identity} (mode 0600); back it up`);
  out.info(`cloned the chart into ${r.root}; every commit of its history verified`);
  if (r.signers.length) {
    out.info("it trusts these device signing keys: compare the fingerprints with another device of the chart (chart key show there), like an SSH host key:");
    for (const k of r.signers) out.info(`  ${k.fingerprint}  ${k.label}`);
  }
  if (r.readable) {
    out.info("this device's key can already open the chart");
    return;
  }
  out.info("this device cannot read the chart yet. On a device that can, run this line, then chart sync there:");
  out.line(r.line);
  out.info(`then here: chart sync (in ${r.root}); chart status explains what is waiting`);
}

export const joinCommand: CommandSpec<JoinInput, JoinResult> = {
  parse: parseJoin,
  run: runJoin,
  text: printJoin,
  json: (r) => ({ root: r.root, identity: r.identity, identityCreated: r.identityCreated, recipient: r.recipient, readable: r.readable, run: r.readable ? undefined : r.line, signers: r.signers }),
};

// ---- status ---------------------------------------------------------------------------------

export interface StatusResult {
  /** What --json prints. */
  status: {
    root: string;
    protection: Awaited<ReturnType<typeof protectionReport>>["json"];
    branch: string;
    device: { identity: string; recipient: string | null; label: string | null; problem: string | null };
    readable: boolean;
    keys: (RecipientEntry & { thisDevice: boolean })[];
    keysTrusted: boolean;
    remotes: { name: string; url: string; ahead: number | null; behind: number | null; asOf: string }[];
    uncommitted: number;
    mergeInProgress: boolean;
    indexLock: Awaited<ReturnType<typeof staleIndexLock>>;
    next: string[];
  };
  protectionText: string;
}

export async function runStatus(ctx: Ctx): Promise<StatusResult> {
  const root = await findRoot(ctx.deps.env, ctx.deps.cwd, ctx.opts.repo);
  const gitDir = await gitDirOf(root);
  const git = openGit(root, ctx.deps.env);
  const idPath = identityPath(ctx.deps.env, ctx.deps.cwd, ctx.opts.identity);
  const next: string[] = [];
  let identity: Identity | undefined;
  let identityProblem: string | undefined;
  try {
    identity = await loadIdentity(idPath, { env: ctx.deps.env }); // status never prompts
  } catch (e) {
    if (!(e instanceof ChartError)) throw e;
    identityProblem = e.message;
    next.push(e.hint ?? "fix the identity");
  }
  const recipientsText = await readFile(join(root, ".chart", "recipients"), "utf8").catch(() => "");
  const entries = parseRecipients(recipientsText);
  const mine = identity ? entries.find((e) => e.recipient === identity.recipient) : undefined;
  const opened = identity ? await tryOpen(root, identity, ctx) : { error: undefined };
  const readable = !!identity && !opened.error;
  if (identity && !readable) {
    next.push(`on a device that can read the chart: ${await addKeyLine(identity, idPath, defaultLabel(ctx))}, then chart sync there; then chart sync here`);
  }
  const pin = await readPin(gitDir);
  const trusted = pin === undefined || pin === recipientsHash(recipientsText);
  if (readable && !trusted) next.push("the chart's keys changed: check them with chart key show, then chart key trust");
  const branch = await currentBranch(git);
  const remotes = [];
  for (const r of await listRemotes(root, ctx.deps.env)) {
    const tip = (await git.raw(["rev-parse", "--verify", "--quiet", `refs/remotes/${r.name}/${branch}`]).catch(() => "")).trim();
    let ahead: number | null = null;
    let behind: number | null = null;
    if (tip) {
      const [a, b] = (await git.raw(["rev-list", "--left-right", "--count", `HEAD...${tip}`])).trim().split(/\s+/).map(Number);
      ahead = a ?? 0;
      behind = b ?? 0;
      if (ahead || behind) next.push(`chart sync ${r.name}`);
    } else next.push(`chart sync ${r.name} (never synced)`);
    remotes.push({ name: r.name, url: r.url, ahead, behind, asOf: "the last sync or fetch" });
  }
  if (remotes.length === 0) next.push("add a backup or another device: chart remote add NAME URL, then chart sync NAME");
  const porcelain = await git.raw(["status", "--porcelain", "--untracked-files=all", "--", "clients", ".chart", ".gitattributes", ".gitignore"]).catch(() => "");
  const uncommitted = porcelain.split("\n").filter((l) => l.trim() !== "").length;
  if (uncommitted) next.push("chart fsck --repair (commits what a killed command left)");
  const mergeInProgress = await exists(join(gitDir, "MERGE_HEAD"));
  if (mergeInProgress) next.push("chart sync (undoes the interrupted sync's half merge, then syncs)");
  const { staleIndexLock } = await import("../../store/index-lock.js");
  const lock = await staleIndexLock(root, gitDir);
  if (lock === "stale") next.push("chart fsck --repair (removes the stale .git/index.lock a killed git left)");
  const protection = await protectionReport(ctx.deps, idPath);
  const status = {
    root,
    protection: protection.json,
    branch,
    device: { identity: idPath, recipient: identity?.recipient ?? null, label: mine?.label ?? null, problem: identityProblem ?? null },
    readable,
    keys: entries.map((e) => ({ ...e, thisDevice: e.recipient === identity?.recipient })),
    keysTrusted: trusted,
    remotes,
    uncommitted,
    mergeInProgress,
    indexLock: lock,
    next,
  };
  return { status, protectionText: protection.text };
}

export function printStatus(out: Output, { status: s, protectionText }: StatusResult): void {
  const { device, remotes, next } = s;
  out.line(`chart:      ${s.root} (branch ${s.branch})`);
  out.line(`this device: ${device.recipient ?? `no usable identity (${device.problem ?? "undefined"})`}${device.label !== null ? ` [${device.label}]` : ""}`);
  out.line(`identity:   ${device.identity}`);
  out.line(`passphrase: ${protectionText}`);
  out.line(`can read:   ${s.readable ? "yes" : "no, this device's key has not been added yet (or was removed)"}`);
  out.line(`keys:       ${s.keys.length} (${s.keys.map((e) => e.label || shortId(e.recipient)).join(", ")})${s.keysTrusted ? "" : ", changed since this device last wrote"}`);
  if (remotes.length === 0) out.line("remotes:    none");
  for (const r of remotes) {
    out.line(`remote:     ${r.name} ${r.url}: ${r.ahead === null ? "not synced yet" : `${r.ahead} commit(s) to push, ${r.behind} to take (as of the last sync)`}`);
  }
  out.line(`uncommitted: ${s.uncommitted} file(s)${s.mergeInProgress ? "; an interrupted sync left a half merge" : ""}${s.indexLock === "stale" ? "; a stale .git/index.lock" : ""}`);
  out.line(next.length ? "next:" : "next:       nothing to do");
  for (const n of [...new Set(next)]) out.line(`  ${n}`);
}

export const statusCommand: CommandSpec<Record<string, never>, StatusResult> = {
  parse: () => ({}),
  run: (ctx) => runStatus(ctx),
  text: printStatus,
  json: (r) => r.status,
};

export function registerSync(program: Command, reg: Registrar): void {
  const remote = program.command("remote").description("the git remotes this chart syncs with (backups, other devices)");
  remote
    .command("add")
    .description("add a git remote (any URL git understands: a path, ssh, https)")
    .argument("<name>", "a short name, e.g. backup or origin")
    .argument("<url>", "where the remote repository is")
    .action(wire(reg, remoteAdd));
  remote.command("list").description("list the chart's remotes").action(wire(reg, remoteList));

  program
    .command("sync")
    .description("fetch from a remote, verify and merge what arrived (never a git conflict), push")
    .argument("[remote]", "the remote (default: origin, or the only one)")
    .option("--no-push", "fetch and merge only")
    .option("--trust-keys", "accept a changed set of keys from the remote (after checking it)")
    .action(wire(reg, syncCommand));

  program
    .command("join")
    .description("start using an existing chart on this device: clone it, create this device's key, print the line to add it")
    .argument("<url>", "the chart's remote (a path, ssh or https URL)")
    .argument("[dir]", "where to put it (default: the remote's name)")
    .option("--label <label>", "a name for this device's key (default: user@host)")
    .option("--post-quantum", "create this device's identity as a post-quantum hybrid one (if it has none)")
    .option("--passphrase", "protect this device's new identity with a passphrase (asked on the terminal; see chart unlock)")
    .option("--passphrase-stdin", "like --passphrase, reading the passphrase from standard input's first line")
    .action(wire(reg, joinCommand));

  program.command("status").description("this device, its key, the remotes (ahead/behind), uncommitted work, and what to do next").action(wire(reg, statusCommand));
}
