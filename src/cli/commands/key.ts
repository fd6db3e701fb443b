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
import type { Registrar } from "../program.js";
import { confirm } from "../prompt.js";
import { protectionReport, readDevicePassphrase, unlockOptions } from "../unlock.js";
import { textOf } from "../../domain/text-of.js";

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

function report(ctx: Ctx, what: string, files: number, extra: Record<string, unknown> = {}): void {
  if (ctx.out.json) ctx.out.data({ ...extra, reencrypted: files });
  else ctx.out.info(`${what}; re-encrypted ${files} record file(s) in one commit`);
}

/**
 * A device that joined but whose key has not been added yet (docs/sync.md): show the chart's
 * keys and this device's recipient, with the line to run elsewhere, instead of failing.
 */
async function waitingDevice(ctx: Ctx): Promise<boolean> {
  try {
    await ctx.chart();
    return false;
  } catch (e) {
    if (!(e instanceof ChartError) || e.code !== "E_WRONG_IDENTITY") throw e;
  }
  const root = await findRoot(ctx.deps.env, ctx.deps.cwd, ctx.opts.repo);
  const idPath = identityPath(ctx.deps.env, ctx.deps.cwd, ctx.opts.identity);
  const identity = await loadIdentity(idPath, unlockOptions(ctx.deps));
  const entries = parseRecipients(await readFile(join(root, ".chart", "recipients"), "utf8"));
  const signing = await ensureSigningKey(idPath, identity);
  const line = addLine(identity.recipient, signing.key.publicKey, `${ctx.deps.env.USER ?? "device"}@${hostname()}`.replace(/\s+/g, "-"));
  if (ctx.out.json) {
    ctx.out.data({ identity: { path: identity.path, recipient: identity.recipient }, recipients: entries.map((e) => ({ ...e, yours: e.recipient === identity.recipient })), readable: false, run: line });
    return true;
  }
  ctx.out.line(`your identity: ${identity.path}`);
  ctx.out.line(`your recipient: ${identity.recipient}`);
  ctx.out.line("this device cannot open the chart yet; on a device that can, run (then chart sync there, and chart sync here):");
  ctx.out.line(`  ${line}`);
  ctx.out.line("");
  ctx.out.table(entries.map((e) => [e.recipient, e.label, e.recipient === identity.recipient ? "(you)" : ""]), ["RECIPIENT", "LABEL", ""]);
  return true;
}

/** A chart is post-quantum only when every key is: one X25519 key opens every file classically. */
function warnMixed(ctx: Ctx, recipients: readonly string[]): void {
  const hybrid = recipients.filter(isHybridRecipient).length;
  if (hybrid > 0 && hybrid < recipients.length) {
    ctx.out.warn(`the chart now mixes post-quantum and X25519 keys: every file is also encrypted to the X25519 key(s), so it is only post-quantum once every device has rotated (chart key rotate --post-quantum on each)`);
  }
}

export function registerKey(program: Command, reg: Registrar): void {
  const key = program.command("key").description("the keys that can open this chart: show, trust, add, remove, rotate");
  key
    .command("show")
    .description("list the chart's recipients and your identity's recipient")
    .action(
      reg.action(async (ctx) => {
        const waiting = await waitingDevice(ctx);
        if (waiting) return;
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
        if (ctx.out.json) {
          ctx.out.data({
            identity: { path: chart.identity.path, recipient: mine },
            protection: protection.json,
            signingKey: own ? { publicKey: own.publicKey, fingerprint: fingerprint(own.pub) } : null,
            recipients: entries.map((e) => ({ ...e, yours: e.recipient === mine })),
            signers: signers.map((s) => ({ principal: s.principal, publicKey: s.publicKey, fingerprint: fingerprint(s.pub), label: s.label, yours: !!own && s.pub.equals(own.pub), retired: s.validBefore ?? null })),
            trusted,
            addLine: own ? addLine(mine, own.publicKey, myLabel) : null,
          });
          return;
        }
        ctx.out.line(`your identity: ${chart.identity.path}`);
        ctx.out.line(`your recipient: ${mine}`);
        ctx.out.line(`your passphrase: ${protection.text}`);
        if (own) ctx.out.line(`your signing key: ${fingerprint(own.pub)}`);
        if (!trusted) ctx.out.line("these keys changed since this device last accepted them: check them, then run chart key trust");
        ctx.out.line("");
        ctx.out.table(
          entries.map((e) => {
            const s = activeSigners(signers).find((x) => x.principal === e.recipient);
            return [e.recipient, e.label, s ? fingerprint(s.pub) : "(no signing key)", e.recipient === mine ? "(you)" : ""];
          }),
          ["RECIPIENT", "LABEL", "SIGNING KEY", ""],
        );
        if (own) {
          ctx.out.line("");
          ctx.out.line("to add this device to another copy of the chart, run there:");
          ctx.out.line(`  ${addLine(mine, own.publicKey, myLabel)}`);
        }
      }),
    );

  key
    .command("trust")
    .description("accept the chart's current set of keys after it changed (e.g. a pull added a device)")
    .option("-y, --yes", "do not ask for confirmation")
    .option("--history", "after a rewind you intended: accept the chart's history as it is now (see docs/verifiable-history.md)")
    .action(
      reg.action(async (ctx, _a, opts) => {
        if (opts.history) {
          await trustHistory(ctx, !!opts.yes);
          return;
        }
        const chart = await ctx.chart();
        const entries = await recipientsOf(chart);
        const signers = await signersOf(chart);
        const signersOk = chart.signersHash === undefined || (await readSignersPin(chart.gitDir)) === chart.signersHash;
        if (!signersOk) {
          if (!ctx.out.json) {
            ctx.out.line("device signing keys (compare the fingerprints with the devices themselves):");
            for (const s of activeSigners(signers)) ctx.out.line(`  ${describeSigner(s)}`);
          }
          if (!(await confirm(ctx.deps, !!opts.yes, `Accept these ${signers.length} device signing key(s)?`))) throw invalid("E_DECLINED", "nothing was changed");
          await writeSignersPin(chart.gitDir, chart.signersHash as string);
          if ((await readPin(chart.gitDir)) === chart.recipientsHash) {
            if (ctx.out.json) ctx.out.data({ trusted: true, changed: true, signers: signers.length });
            else ctx.out.info(`trusted ${signers.length} device signing key(s)`);
            return;
          }
        }
        if ((await readPin(chart.gitDir)) === chart.recipientsHash) {
          ctx.out.info("these keys are already trusted on this device");
          if (ctx.out.json) ctx.out.data({ trusted: true, changed: false });
          return;
        }
        if (!ctx.out.json) ctx.out.table(entries.map((e) => [e.recipient, e.label]), ["RECIPIENT", "LABEL"]);
        if (!(await confirm(ctx.deps, !!opts.yes, `Encrypt for these ${entries.length} key(s) from now on?`))) throw invalid("E_DECLINED", "nothing was changed");
        await writePin(chart.gitDir, chart.recipientsHash);
        if (ctx.out.json) ctx.out.data({ trusted: true, changed: true, recipients: entries });
        else ctx.out.info(`trusted ${entries.length} key(s)`);
      }),
    );

  key
    .command("add")
    .description("let another key open the chart (a second device, an offline recovery key); re-encrypts every record")
    .argument("<recipient>", "the key's age recipient (age1...; `age-keygen -y FILE` prints it)")
    .requiredOption("--label <label>", "a name for the key, e.g. laptop or recovery")
    .option("--signing-key <key>", 'the device\'s signing key ("ssh-ed25519 AAAA…", from `chart key show` on that device); without it the key can read but its commits are not accepted')
    .action(
      reg.action(async (ctx, [recipient], opts) => {
        const r = await checkRecipient(String(recipient).trim());
        const label = String(opts.label).trim();
        if (label === "" || /[\r\n]/.test(label)) throw invalid("E_KEY_LABEL", "a key needs a one-line label", "e.g. --label laptop");
        let signing: string | undefined;
        if (opts.signingKey !== undefined) {
          const pub = parsePublicKey(textOf(opts.signingKey));
          if (!pub) throw invalid("E_SIGNING_KEY_FORMAT", "--signing-key takes an Ed25519 public key: ssh-ed25519 AAAA…", "copy it from `chart key show` on the device");
          signing = textOf(opts.signingKey).trim().split(/\s+/).slice(0, 2).join(" ");
        }
        const chart = await ctx.chart();
        const entries = await recipientsOf(chart);
        const signers = await signersOf(chart);
        if (signing && signers.some((s) => s.publicKey === signing)) throw invalid("E_KEY_EXISTS", "that signing key is already a device of this chart", "see chart key show");
        const existing = entries.find((e) => e.recipient === r);
        if (existing) {
          // A recipient that can already read (e.g. from before signed history) gets its signing key.
          if (!signing || signers.some((s) => s.principal === r && !s.validBefore)) throw invalid("E_KEY_EXISTS", "that key can already open the chart", "see chart key show");
          await addSigningKey(chart, [...keep(signers), { principal: r, publicKey: signing, label: existing.label || label }]);
          if (ctx.out.json) ctx.out.data({ added: r, signingKey: signing, reencrypted: 0 });
          else ctx.out.info(`added the signing key of "${existing.label || label}"`);
          return;
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
        report(ctx, `added key "${label}"`, res.files, { added: r, label, ...(signing ? { signingKey: signing } : {}) });
        warnMixed(ctx, [...entries.map((e) => e.recipient), r]);
      }),
    );

  key
    .command("remove")
    .description("stop a key from opening the chart from now on (a new MAC key too); re-encrypts every record")
    .argument("<key>", "the key's label or recipient")
    .option("-y, --yes", "do not ask for confirmation")
    .action(
      reg.action(async (ctx, [query], opts) => {
        const chart = await ctx.chart();
        const entries = await recipientsOf(chart);
        const gone = findEntry(entries, String(query));
        if (gone.recipient === chart.identity.recipient) {
          throw invalid("E_OWN_KEY", "that is the key you are using: removing it would lock you out", "replace it with chart key rotate, or remove it from another device");
        }
        if (!(await confirm(ctx.deps, !!opts.yes, `Remove key "${gone.label || gone.recipient}" and re-encrypt the chart?`))) {
          throw invalid("E_DECLINED", "nothing was changed");
        }
        const signers = await signersOf(chart);
        const res = await rekey(chart, entries.filter((e) => e !== gone), {
          key: chart.identity.key,
          rotateMac: true,
          message: "chart: remove key",
          signers: chart.signers ? retire(signers, gone.recipient, ctx.deps.now()) : undefined,
          journal: { op: "remove", moves: [] },
        });
        report(ctx, `removed key "${gone.label || gone.recipient}"`, res.files, { removed: gone.recipient });
        ctx.out.warn("the removed key can still read the chart's git history up to now: removal protects what is written from here on");
      }),
    );

  key
    .command("rotate")
    .description("replace your identity with a new one (and the MAC key); re-encrypts every record")
    .option("-y, --yes", "do not ask for confirmation")
    .option("--post-quantum", "make the new identity a post-quantum hybrid one (ML-KEM-768 + X25519)")
    .option("--passphrase-stdin", "a protected identity: read its passphrase (which the new one gets too) from standard input")
    .action(
      reg.action(async (ctx, _a, opts) => {
        const chart = await ctx.chart();
        const entries = await recipientsOf(chart);
        const mine = entries.find((e) => e.recipient === chart.identity.recipient);
        if (!mine) throw invalid("E_NOT_A_RECIPIENT", "your identity is not among the chart's recipients", "see chart key show");
        if (!(await confirm(ctx.deps, !!opts.yes, "Create a new identity and re-encrypt the chart for it?"))) throw invalid("E_DECLINED", "nothing was changed");
        const path = chart.identity.path;
        // A protected device stays protected: the new identity and signing key get the passphrase.
        const passphrase = chart.identity.protected ? await rotationPassphrase(ctx, path, !!opts.passphraseStdin) : undefined;
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
        const next = await createIdentity(fresh, ctx.deps.now(), { postQuantum: !!opts.postQuantum, passphrase }).catch(undo);
        const nextSigning = await createSigningKey(signFresh, { protectFor: passphrase !== undefined ? next.recipient : undefined }).catch(undo);
        const signers = await signersOf(chart);
        const nextSigners = [...retire(signers, mine.recipient, ctx.deps.now()), { principal: next.recipient, publicKey: nextSigning.publicKey, label: mine.label }];
        const res = await rekey(chart, entries.map((e) => (e === mine ? { ...e, recipient: next.recipient } : e)), {
          key: next.key,
          rotateMac: true,
          message: "chart: rotate key",
          signers: nextSigners,
          journal: { op: "rotate", moves },
        }).catch(undo);
        report(ctx, `new identity in ${path} (recipient ${next.recipient})`, res.files, { identity: path, recipient: next.recipient, previous: old });
        ctx.out.warn(`back up the new identity now; keep the old one (${old}) to read the history written before today`);
        warnMixed(ctx, entries.map((e) => (e === mine ? next.recipient : e.recipient)));
        ctx.out.info(`this device now signs as ${fingerprint(nextSigning.pub)}`);
        if (passphrase !== undefined && chart.identity.agent) {
          // The old agent ends: what this command still signs (its access log line) uses the new key.
          chart.signingKey = nextSigning;
          await restartAgent(ctx, path, passphrase, chart.identity.agent);
        }
      }),
    );
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
async function trustHistory(ctx: Ctx, yes: boolean): Promise<void> {
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
  if (!ctx.out.json) {
    ctx.out.line(`newest commit this device verified: ${anchor?.commit ?? "(none)"}`);
    ctx.out.line(`the chart's history now ends at:   ${head}`);
  }
  if (!(await confirm(ctx.deps, yes, "Accept the history as it is now (commits after the verified one that are no longer there stay lost)?"))) throw invalid("E_DECLINED", "nothing was changed");
  await writeAnchor(gitDir, { commit: head, files: await chartFilesAt(git, head) });
  if (ctx.out.json) ctx.out.data({ trusted: true, commit: head });
  else ctx.out.info(`accepted the history up to ${head.slice(0, 12)}`);
}
