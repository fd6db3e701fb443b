/** chart key show | trust | add RECIPIENT --label L | remove LABEL | rotate: who can open this chart. */
import type { Command } from "commander";
import { readFile, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { stamp } from "../../domain/dates.js";
import { ChartError, invalid, notFound, usageError } from "../../domain/errors.js";
import { checkRecipient, isHybridRecipient } from "../../store/age.js";
import { commitPaths } from "../../store/git.js";
import { chartFilesAt, readAnchor, writeAnchor } from "../../store/history.js";
import { createIdentity, identityPath, loadIdentity, readIdentityFile, unlockIdentityText } from "../../store/identity.js";
import type { AgentInfo } from "../../store/agent-client.js";
import { startAgent, stopAgent } from "../../store/agent-start.js";
import { findRoot } from "../../store/repo.js";
import { hostname } from "node:os";
import { clearJournal, writeJournal } from "../../store/key-journal.js";
import { readPin, readSignersPin, writePin, writeSignersPin } from "../../store/pin.js";
import { activeSigners, describeSigner, formatSigners, parseSigners, retiredAt, signersHash, SIGNERS_FILE, type SignerEntry } from "../../store/signers.js";
import { createSigningKey, ensureSigningKey, signingKeyPath } from "../../store/signing-key.js";
import { fingerprint, parsePublicKey } from "../../store/sshsig.js";
import { writeFileAtomic } from "../../store/atomic.js";
import { withWriteLock } from "../../store/write-lock.js";
import { parseRecipients, type RecipientEntry } from "../../store/recipients.js";
import { rekey } from "../../store/rekey.js";
import type { Chart } from "../../store/repo.js";
import type { Ctx } from "../context.js";
import type { Opts, Registrar } from "../program.js";
import { print, wire, type CommandSpec } from "../command.js";
import { arg, optFlag, optString } from "../options.js";
import type { Output } from "../output.js";
import { confirm } from "../prompt.js";
import { protectionReport, readDevicePassphrase, unlockOptions } from "../unlock.js";

const recipientsOf = async (chart: Chart): Promise<RecipientEntry[]> =>
  parseRecipients(await readFile(join(chart.root, ".chart", "recipients"), "utf8"));

const signersOf = async (chart: Chart): Promise<SignerEntry[]> =>
  parseSigners(await readFile(join(chart.root, SIGNERS_FILE), "utf8").catch(() => ""));

const keep = (s: readonly SignerEntry[]) => s.map(({ principal, publicKey, label, validBefore }) => ({ principal, publicKey, label, ...(validBefore ? { validBefore } : {}) }));

/** The device keys after `principal` leaves: its signing key stays listed, retired from now. */
const retire = (s: readonly SignerEntry[], principal: string, now: Date) =>
  keep(s).map((e) => (e.principal === principal && !e.validBefore ? { ...e, validBefore: retiredAt(now) } : e));

/** The line another device runs to add this one (chart join prints the same). */
export const addLine = (recipient: string, signingKey: string, label: string): string =>
  `chart key add ${recipient} --signing-key "${signingKey}" --label ${/^[A-Za-z0-9@._-]+$/.test(label) ? label : `'${label.replace(/'/g, `'\\''`)}'`}`;

function findEntry(entries: readonly RecipientEntry[], query: string): RecipientEntry {
  const byRecipient = entries.find((e) => e.recipient === query);
  if (byRecipient) return byRecipient;
  const byLabel = entries.filter((e) => e.label === query);
  if (byLabel.length === 1) return byLabel[0] as RecipientEntry;
  if (byLabel.length > 1) throw usageError("E_KEY_AMBIGUOUS", `${byLabel.length} keys carry the label "${query}"`, "name the key by its recipient (age1...)");
  throw notFound("E_KEY_NOT_FOUND", `no key labelled "${query}"`, "see chart key show");
}

/** The stderr note of a key change (text only: --json prints the result), in order with the warnings after it. */
const reencrypted = (ctx: Ctx, what: string, files: number): void => ctx.out.info(`${what}; re-encrypted ${files} record file(s) in one commit`);

/** A device that joined but whose key has not been added yet (docs/sync.md). */
interface Waiting {
  identity: { path: string; recipient: string };
  entries: RecipientEntry[];
  /** The line to run on a device that can open the chart. */
  run: string;
}

/**
 * A device that joined but whose key has not been added yet (docs/sync.md): show the chart's
 * keys and this device's recipient, with the line to run elsewhere, instead of failing.
 */
async function waitingDevice(ctx: Ctx): Promise<Waiting | undefined> {
  try {
    await ctx.chart();
    return undefined;
  } catch (e) {
    if (!(e instanceof ChartError) || e.code !== "E_WRONG_IDENTITY") throw e;
  }
  const root = await findRoot(ctx.deps.env, ctx.deps.cwd, ctx.opts.repo);
  const idPath = identityPath(ctx.deps.env, ctx.deps.cwd, ctx.opts.identity);
  const identity = await loadIdentity(idPath, unlockOptions(ctx.deps));
  const entries = parseRecipients(await readFile(join(root, ".chart", "recipients"), "utf8"));
  const signing = await ensureSigningKey(idPath, identity);
  const line = addLine(identity.recipient, signing.key.publicKey, `${ctx.deps.env.USER ?? "device"}@${hostname()}`.replace(/\s+/g, "-"));
  return { identity: { path: identity.path, recipient: identity.recipient }, entries, run: line };
}

function printWaiting(out: Output, w: Waiting): void {
  out.line(`your identity: ${w.identity.path}`);
  out.line(`your recipient: ${w.identity.recipient}`);
  out.line("this device cannot open the chart yet; on a device that can, run (then chart sync there, and chart sync here):");
  out.line(`  ${w.run}`);
  out.line("");
  out.table(w.entries.map((e) => [e.recipient, e.label, e.recipient === w.identity.recipient ? "(you)" : ""]), ["RECIPIENT", "LABEL", ""]);
}

/** A chart is post-quantum only when every key is: one X25519 key opens every file classically. */
function warnMixed(ctx: Ctx, recipients: readonly string[]): void {
  const hybrid = recipients.filter(isHybridRecipient).length;
  if (hybrid > 0 && hybrid < recipients.length) {
    ctx.out.warn(`the chart now mixes post-quantum and X25519 keys: every file is also encrypted to the X25519 key(s), so it is only post-quantum once every device has rotated (chart key rotate --post-quantum on each)`);
  }
}

// ---- key show -------------------------------------------------------------------------------

export type KeyShowResult =
  | { waiting: Waiting }
  | {
      identityPath: string;
      mine: string;
      protection: Awaited<ReturnType<typeof protectionReport>>;
      own: Chart["signingKey"];
      entries: RecipientEntry[];
      signers: SignerEntry[];
      trusted: boolean;
      myLabel: string;
    };

export async function runKeyShow(ctx: Ctx): Promise<KeyShowResult> {
  const waiting = await waitingDevice(ctx);
  if (waiting) return { waiting };
  const chart = await ctx.chart();
  const entries = await recipientsOf(chart);
  const mine = chart.identity.recipient;
  const pinned = await readPin(chart.gitDir);
  const signers = await signersOf(chart);
  const signersPinned = await readSignersPin(chart.gitDir);
  const own = chart.signingKey;
  const trusted = (pinned === undefined || pinned === chart.recipientsHash) && (chart.signersHash === undefined || signersPinned === undefined || signersPinned === chart.signersHash);
  const myLabel = entries.find((e) => e.recipient === mine)?.label || "LABEL";
  const protection = await protectionReport(ctx.deps, chart.identity.path);
  return { identityPath: chart.identity.path, mine, protection, own, entries, signers, trusted, myLabel };
}

export function printKeyShow(out: Output, r: KeyShowResult): void {
  if ("waiting" in r) return printWaiting(out, r.waiting);
  const { mine, own, signers } = r;
  out.line(`your identity: ${r.identityPath}`);
  out.line(`your recipient: ${mine}`);
  out.line(`your passphrase: ${r.protection.text}`);
  if (own) out.line(`your signing key: ${fingerprint(own.pub)}`);
  if (!r.trusted) out.line("these keys changed since this device last accepted them: check them, then run chart key trust");
  out.line("");
  out.table(
    r.entries.map((e) => {
      const s = activeSigners(signers).find((x) => x.principal === e.recipient);
      return [e.recipient, e.label, s ? fingerprint(s.pub) : "(no signing key)", e.recipient === mine ? "(you)" : ""];
    }),
    ["RECIPIENT", "LABEL", "SIGNING KEY", ""],
  );
  if (own) {
    out.line("");
    out.line("to add this device to another copy of the chart, run there:");
    out.line(`  ${addLine(mine, own.publicKey, r.myLabel)}`);
  }
}

export const keyShow: CommandSpec<Record<string, never>, KeyShowResult> = {
  parse: () => ({}),
  run: (ctx) => runKeyShow(ctx),
  text: printKeyShow,
  json: (r) => {
    if ("waiting" in r) {
      const w = r.waiting;
      return { identity: w.identity, recipients: w.entries.map((e) => ({ ...e, yours: e.recipient === w.identity.recipient })), readable: false, run: w.run };
    }
    const { mine, own } = r;
    return {
      identity: { path: r.identityPath, recipient: mine },
      protection: r.protection.json,
      signingKey: own ? { publicKey: own.publicKey, fingerprint: fingerprint(own.pub) } : null,
      recipients: r.entries.map((e) => ({ ...e, yours: e.recipient === mine })),
      signers: r.signers.map((s) => ({ principal: s.principal, publicKey: s.publicKey, fingerprint: fingerprint(s.pub), label: s.label, yours: !!own && s.pub.equals(own.pub), retired: s.validBefore ?? null })),
      trusted: r.trusted,
      addLine: own ? addLine(mine, own.publicKey, r.myLabel) : null,
    };
  },
};

// ---- key trust ------------------------------------------------------------------------------

export interface KeyTrustInput {
  yes: boolean;
  history: boolean;
}

export const parseKeyTrust = (_args: readonly string[], opts: Opts): KeyTrustInput => ({ yes: optFlag(opts, "yes"), history: optFlag(opts, "history") });

export type KeyTrustResult =
  | { trusted: "history"; commit: string }
  | { trusted: "already" }
  | { trusted: "signers"; signers: number }
  | { trusted: "recipients"; recipients: RecipientEntry[] };

export async function runKeyTrust(ctx: Ctx, input: KeyTrustInput): Promise<KeyTrustResult> {
  if (input.history) return { trusted: "history", commit: await trustHistory(ctx, input.yes) };
  const chart = await ctx.chart();
  const entries = await recipientsOf(chart);
  const signers = await signersOf(chart);
  const signersOk = chart.signersHash === undefined || (await readSignersPin(chart.gitDir)) === chart.signersHash;
  if (!signersOk) {
    const shown = (out: Output) => {
      out.line("device signing keys (compare the fingerprints with the devices themselves):");
      for (const s of activeSigners(signers)) out.line(`  ${describeSigner(s)}`);
    };
    print(ctx.out, { text: shown, json: () => undefined }, undefined);
    if (!(await confirm(ctx.deps, input.yes, `Accept these ${signers.length} device signing key(s)?`))) throw invalid("E_DECLINED", "nothing was changed");
    await writeSignersPin(chart.gitDir, chart.signersHash as string);
    if ((await readPin(chart.gitDir)) === chart.recipientsHash) return { trusted: "signers", signers: signers.length };
  }
  if ((await readPin(chart.gitDir)) === chart.recipientsHash) return { trusted: "already" };
  print(ctx.out, { text: (out) => out.table(entries.map((e) => [e.recipient, e.label]), ["RECIPIENT", "LABEL"]), json: () => undefined }, undefined);
  if (!(await confirm(ctx.deps, input.yes, `Encrypt for these ${entries.length} key(s) from now on?`))) throw invalid("E_DECLINED", "nothing was changed");
  await writePin(chart.gitDir, chart.recipientsHash);
  return { trusted: "recipients", recipients: entries };
}

export const keyTrust: CommandSpec<KeyTrustInput, KeyTrustResult> = {
  parse: parseKeyTrust,
  run: runKeyTrust,
  text: (out, r) => {
    if (r.trusted === "history") out.info(`accepted the history up to ${r.commit.slice(0, 12)}`);
    else if (r.trusted === "already") out.info("these keys are already trusted on this device");
    else if (r.trusted === "signers") out.info(`trusted ${r.signers} device signing key(s)`);
    else out.info(`trusted ${r.recipients.length} key(s)`);
  },
  json: (r) =>
    r.trusted === "history"
      ? { trusted: true, commit: r.commit }
      : r.trusted === "already"
        ? { trusted: true, changed: false }
        : r.trusted === "signers"
          ? { trusted: true, changed: true, signers: r.signers }
          : { trusted: true, changed: true, recipients: r.recipients },
};

// ---- key add --------------------------------------------------------------------------------

export interface KeyAddInput {
  recipient: string;
  label: string;
  /** "ssh-ed25519 AAAA…", checked; undefined when not given. */
  signingKey?: string | undefined;
}

export function parseKeyAdd(args: readonly string[], opts: Opts): KeyAddInput {
  const recipient = arg(args, 0, "RECIPIENT").trim();
  const label = (optString(opts, "label") ?? "").trim();
  if (label === "" || /[\r\n]/.test(label)) throw invalid("E_KEY_LABEL", "a key needs a one-line label", "e.g. --label laptop");
  const given = optString(opts, "signingKey");
  let signingKey: string | undefined;
  if (given !== undefined) {
    if (!parsePublicKey(given)) throw invalid("E_SIGNING_KEY_FORMAT", "--signing-key takes an Ed25519 public key: ssh-ed25519 AAAA…", "copy it from `chart key show` on the device");
    signingKey = given.trim().split(/\s+/).slice(0, 2).join(" ");
  }
  return { recipient, label, signingKey };
}

export type KeyAddResult = { added: string; label: string; signingKey?: string | undefined; files: number; signingOnly: boolean };

export async function runKeyAdd(ctx: Ctx, input: KeyAddInput): Promise<KeyAddResult> {
  const r = await checkRecipient(input.recipient);
  const { label, signingKey: signing } = input;
  const chart = await ctx.chart();
  const entries = await recipientsOf(chart);
  const signers = await signersOf(chart);
  if (signing && signers.some((s) => s.publicKey === signing)) throw invalid("E_KEY_EXISTS", "that signing key is already a device of this chart", "see chart key show");
  const existing = entries.find((e) => e.recipient === r);
  if (existing) {
    // A recipient that can already read (e.g. from before signed history) gets its signing key.
    if (!signing || signers.some((s) => s.principal === r && !s.validBefore)) throw invalid("E_KEY_EXISTS", "that key can already open the chart", "see chart key show");
    await addSigningKey(chart, [...keep(signers), { principal: r, publicKey: signing, label: existing.label || label }]);
    return { added: r, label: existing.label || label, signingKey: signing, files: 0, signingOnly: true };
  }
  if (entries.some((e) => e.label === label)) throw invalid("E_KEY_LABEL", `a key is already labelled "${label}"`, "choose another label");
  const nextSigners = signing ? [...keep(signers), { principal: r, publicKey: signing, label }] : keep(signers);
  const res = await rekey(chart, [...entries, { recipient: r, label }], {
    key: chart.identity.key,
    rotateMac: false,
    message: "chart: add key",
    signers: chart.signers ? nextSigners : undefined,
    journal: { op: "add", moves: [] },
  });
  reencrypted(ctx, `added key "${label}"`, res.files);
  warnMixed(ctx, [...entries.map((e) => e.recipient), r]);
  return { added: r, label, signingKey: signing, files: res.files, signingOnly: false };
}

export const keyAdd: CommandSpec<KeyAddInput, KeyAddResult> = {
  parse: parseKeyAdd,
  run: runKeyAdd,
  // A key added with its records re-encrypted was told on stderr by run (before its warnings).
  text: (out, r) => {
    if (r.signingOnly) out.info(`added the signing key of "${r.label}"`);
  },
  json: (r) =>
    r.signingOnly
      ? { added: r.added, signingKey: r.signingKey, reencrypted: 0 }
      : { added: r.added, label: r.label, ...(r.signingKey ? { signingKey: r.signingKey } : {}), reencrypted: r.files },
};

// ---- key remove -----------------------------------------------------------------------------

export interface KeyRemoveInput {
  key: string;
  yes: boolean;
}

export const parseKeyRemove = (args: readonly string[], opts: Opts): KeyRemoveInput => ({ key: arg(args, 0, "KEY"), yes: optFlag(opts, "yes") });

export interface KeyRemoveResult {
  removed: string;
  files: number;
}

export async function runKeyRemove(ctx: Ctx, input: KeyRemoveInput): Promise<KeyRemoveResult> {
  const chart = await ctx.chart();
  const entries = await recipientsOf(chart);
  const gone = findEntry(entries, input.key);
  if (gone.recipient === chart.identity.recipient) {
    throw invalid("E_OWN_KEY", "that is the key you are using: removing it would lock you out", "replace it with chart key rotate, or remove it from another device");
  }
  if (!(await confirm(ctx.deps, input.yes, `Remove key "${gone.label || gone.recipient}" and re-encrypt the chart?`))) {
    throw invalid("E_DECLINED", "nothing was changed");
  }
  const signers = await signersOf(chart);
  const at = ctx.deps.now();
  const res = await rekey(chart, entries.filter((e) => e !== gone), {
    key: chart.identity.key,
    rotateMac: true,
    message: "chart: remove key",
    signers: chart.signers ? retire(signers, gone.recipient, at) : undefined,
    journal: { op: "remove", moves: [] },
    at,
  });
  reencrypted(ctx, `removed key "${gone.label || gone.recipient}"`, res.files);
  ctx.out.warn("the removed key can still read the chart's git history up to now: removal protects what is written from here on");
  return { removed: gone.recipient, files: res.files };
}

export const keyRemove: CommandSpec<KeyRemoveInput, KeyRemoveResult> = {
  parse: parseKeyRemove,
  run: runKeyRemove,
  text: () => undefined, // told on stderr by run, before its warning
  json: (r) => ({ removed: r.removed, reencrypted: r.files }),
};

// ---- key rotate -----------------------------------------------------------------------------

export interface KeyRotateInput {
  yes: boolean;
  postQuantum: boolean;
  passphraseStdin: boolean;
}

export const parseKeyRotate = (_args: readonly string[], opts: Opts): KeyRotateInput => ({
  yes: optFlag(opts, "yes"),
  postQuantum: optFlag(opts, "postQuantum"),
  passphraseStdin: optFlag(opts, "passphraseStdin"),
});

export interface KeyRotateResult {
  identity: string;
  recipient: string;
  previous: string;
  files: number;
}

export async function runKeyRotate(ctx: Ctx, input: KeyRotateInput): Promise<KeyRotateResult> {
  const chart = await ctx.chart();
  const entries = await recipientsOf(chart);
  const mine = entries.find((e) => e.recipient === chart.identity.recipient);
  if (!mine) throw invalid("E_NOT_A_RECIPIENT", "your identity is not among the chart's recipients", "see chart key show");
  if (!(await confirm(ctx.deps, input.yes, "Create a new identity and re-encrypt the chart for it?"))) throw invalid("E_DECLINED", "nothing was changed");
  const path = chart.identity.path;
  // A protected device stays protected: the new identity and signing key get the passphrase.
  const passphrase = chart.identity.protected ? await rotationPassphrase(ctx, path, input.passphraseStdin) : undefined;
  const fresh = `${path}.new`;
  const signPath = signingKeyPath(path);
  const signFresh = `${signPath}.new`;
  if (await stat(fresh).then(() => true, () => false)) {
    throw invalid("E_ROTATE_PENDING", `${fresh} exists (an earlier rotation did not finish)`, "check which identity opens the chart, keep that one, and remove the other");
  }
  let old = `${path}.old-${stamp(ctx.deps.now()).replace(/[-:]/g, "")}`;
  for (let n = 2; await stat(old).then(() => true, () => false); n += 1) old = `${old.replace(/-\d+$/, "")}-${n}`;
  const moves: [string, string, string][] = [
    [fresh, path, old],
    [signFresh, signPath, signingKeyPath(old)],
  ];
  // Journalled first, so a rotation killed at any point is undone or finished by the next
  // command (src/store/key-journal.ts); the new keys are on disk before the chart depends on them.
  const head = (await (await chart.git()).raw(["rev-parse", "HEAD"])).trim();
  await writeJournal(chart.gitDir, { pid: process.pid, op: "rotate", head, moves });
  const undo = async (e: unknown) => {
    await rm(fresh, { force: true }); // nothing was changed: the new keys open and sign nothing
    await rm(signFresh, { force: true });
    await clearJournal(chart.gitDir);
    throw e;
  };
  const next = await createIdentity(fresh, ctx.deps.now(), { postQuantum: input.postQuantum, passphrase }).catch(undo);
  const nextSigning = await createSigningKey(signFresh, { protectFor: passphrase !== undefined ? next.recipient : undefined }).catch(undo);
  const signers = await signersOf(chart);
  // The old key signs this commit and leaves in it: valid-before and the commit's date are one
  // moment, so stock `git verify-commit` accepts the commit (ssh-keygen refuses a signature dated
  // after valid-before; the re-encryption between the two took seconds on a large chart).
  const at = ctx.deps.now();
  const nextSigners = [...retire(signers, mine.recipient, at), { principal: next.recipient, publicKey: nextSigning.publicKey, label: mine.label }];
  const res = await rekey(chart, entries.map((e) => (e === mine ? { ...e, recipient: next.recipient } : e)), {
    key: next.key,
    rotateMac: true,
    message: "chart: rotate key",
    signers: nextSigners,
    journal: { op: "rotate", moves },
    at,
  }).catch(undo);
  reencrypted(ctx, `new identity in ${path} (recipient ${next.recipient})`, res.files);
  ctx.out.warn(`back up the new identity now; keep the old one (${old}) to read the history written before today`);
  warnMixed(ctx, entries.map((e) => (e === mine ? next.recipient : e.recipient)));
  ctx.out.info(`this device now signs as ${fingerprint(nextSigning.pub)}`);
  if (passphrase !== undefined && chart.identity.agent) {
    // The old agent ends: what this command still signs (its access log line) uses the new key.
    chart.signingKey = nextSigning;
    await restartAgent(ctx, path, passphrase, chart.identity.agent);
  }
  return { identity: path, recipient: next.recipient, previous: old, files: res.files };
}

export const keyRotate: CommandSpec<KeyRotateInput, KeyRotateResult> = {
  parse: parseKeyRotate,
  run: runKeyRotate,
  text: () => undefined, // told on stderr by run, before its warnings
  json: (r) => ({ identity: r.identity, recipient: r.recipient, previous: r.previous, reencrypted: r.files }),
};

export function registerKey(program: Command, reg: Registrar): void {
  const key = program.command("key").description("the keys that can open this chart: show, trust, add, remove, rotate");
  key.command("show").description("list the chart's recipients and your identity's recipient").action(wire(reg, keyShow));

  key
    .command("trust")
    .description("accept the chart's current set of keys after it changed (e.g. a pull added a device)")
    .option("-y, --yes", "do not ask for confirmation")
    .option("--history", "after a rewind you intended: accept the chart's history as it is now (see docs/verifiable-history.md)")
    .action(wire(reg, keyTrust));

  key
    .command("add")
    .description("let another key open the chart (a second device, an offline recovery key); re-encrypts every record")
    .argument("<recipient>", "the key's age recipient (age1...; `age-keygen -y FILE` prints it)")
    .requiredOption("--label <label>", "a name for the key, e.g. laptop or recovery")
    .option("--signing-key <key>", 'the device\'s signing key ("ssh-ed25519 AAAA…", from `chart key show` on that device); without it the key can read but its commits are not accepted')
    .action(wire(reg, keyAdd));

  key
    .command("remove")
    .description("stop a key from opening the chart from now on (a new MAC key too); re-encrypts every record")
    .argument("<key>", "the key's label or recipient")
    .option("-y, --yes", "do not ask for confirmation")
    .action(wire(reg, keyRemove));

  key
    .command("rotate")
    .description("replace your identity with a new one (and the MAC key); re-encrypts every record")
    .option("-y, --yes", "do not ask for confirmation")
    .option("--post-quantum", "make the new identity a post-quantum hybrid one (ML-KEM-768 + X25519)")
    .option("--passphrase-stdin", "a protected identity: read its passphrase (which the new one gets too) from standard input")
    .action(wire(reg, keyRotate));
}

/** The passphrase of the protected identity being rotated, checked against it (one scrypt). */
async function rotationPassphrase(ctx: Ctx, path: string, fromStdin: boolean): Promise<string> {
  const passphrase = await readDevicePassphrase(ctx.deps, { fromStdin, choosing: false, message: `Passphrase for ${path} (the new identity gets it too)` });
  await unlockIdentityText(await readIdentityFile(path), passphrase, path);
  return passphrase;
}

/** The agent held the old identity: a new one takes over for what is left of its lifetime. */
async function restartAgent(ctx: Ctx, path: string, passphrase: string, was: AgentInfo): Promise<void> {
  await stopAgent(ctx.deps.env, path);
  const lifetimeMs = Math.max(1_000, was.expiresAt - ctx.deps.now().getTime());
  const { info } = await startAgent(ctx.deps.env, path, passphrase, { idleMs: was.idleMs, lifetimeMs });
  ctx.out.info(`the unlock agent now holds the new identity (pid ${info.pid})`);
}

/** Commit a new device signing key for a recipient that can already open the chart. */
async function addSigningKey(chart: Chart, signers: readonly Omit<SignerEntry, "pub">[]): Promise<void> {
  const git = await chart.git();
  await withWriteLock(chart, async () => {
    await writeFileAtomic(join(chart.root, SIGNERS_FILE), formatSigners(signers), 0o644);
    await commitPaths(git, [SIGNERS_FILE], "chart: add signing key");
    await writeSignersPin(chart.gitDir, signersHash(formatSigners(signers)));
  });
}

/** `chart key trust --history`: after a rewind the user intended, accept HEAD as the newest verified commit. */
async function trustHistory(ctx: Ctx, yes: boolean): Promise<string> {
  const { findRoot, gitDirOf } = await import("../../store/repo.js");
  const { openGit } = await import("../../store/git.js");
  const { verifyRange } = await import("../../store/history.js");
  const root = await findRoot(ctx.deps.env, ctx.deps.cwd, ctx.opts.repo);
  const gitDir = await gitDirOf(root);
  const git = openGit(root, ctx.deps.env);
  const head = (await git.raw(["rev-parse", "HEAD"])).trim();
  const anchor = await readAnchor(gitDir);
  const r = await verifyRange(git, undefined, head);
  if (r.problems.length) {
    throw invalid("E_HISTORY_UNVERIFIED", `the history up to ${head.slice(0, 12)} has problems of its own: ${r.problems[0]?.message}`, "see chart fsck");
  }
  const shown = (out: Output) => {
    out.line(`newest commit this device verified: ${anchor?.commit ?? "(none)"}`);
    out.line(`the chart's history now ends at:   ${head}`);
  };
  print(ctx.out, { text: shown, json: () => undefined }, undefined);
  if (!(await confirm(ctx.deps, yes, "Accept the history as it is now (commits after the verified one that are no longer there stay lost)?"))) throw invalid("E_DECLINED", "nothing was changed");
  await writeAnchor(gitDir, { commit: head, files: await chartFilesAt(git, head) });
  return head;
}
