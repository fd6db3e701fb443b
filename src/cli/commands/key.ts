/** chart key show | trust | add RECIPIENT --label L | remove LABEL | rotate: who can open this chart. */
import type { Command } from "commander";
import { readFile, rename, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { stamp } from "../../domain/dates.js";
import { ChartError, invalid, notFound, usageError } from "../../domain/errors.js";
import { checkRecipient, isHybridRecipient } from "../../store/age.js";
import { createIdentity, identityPath, loadIdentity } from "../../store/identity.js";
import { findRoot } from "../../store/repo.js";
import { hostname } from "node:os";
import { readPin, writePin } from "../../store/pin.js";
import { parseRecipients, type RecipientEntry } from "../../store/recipients.js";
import { rekey } from "../../store/rekey.js";
import type { Chart } from "../../store/repo.js";
import type { Ctx } from "../context.js";
import type { Registrar } from "../program.js";
import { confirm } from "../prompt.js";

const recipientsOf = async (chart: Chart): Promise<RecipientEntry[]> =>
  parseRecipients(await readFile(join(chart.root, ".chart", "recipients"), "utf8"));

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
  const identity = await loadIdentity(identityPath(ctx.deps.env, ctx.deps.cwd, ctx.opts.identity));
  const entries = parseRecipients(await readFile(join(root, ".chart", "recipients"), "utf8"));
  const line = `chart key add ${identity.recipient} --label ${`${ctx.deps.env.USER ?? "device"}@${hostname()}`.replace(/\s+/g, "-")}`;
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
        if (ctx.out.json) {
          ctx.out.data({
            identity: { path: chart.identity.path, recipient: mine },
            recipients: entries.map((e) => ({ ...e, yours: e.recipient === mine })),
            trusted: pinned === undefined || pinned === chart.recipientsHash,
          });
          return;
        }
        ctx.out.line(`your identity: ${chart.identity.path}`);
        ctx.out.line(`your recipient: ${mine}`);
        if (pinned !== undefined && pinned !== chart.recipientsHash) {
          ctx.out.line("these keys changed since this device last wrote: check them, then run chart key trust");
        }
        ctx.out.line("");
        ctx.out.table(
          entries.map((e) => [e.recipient, e.label, e.recipient === mine ? "(you)" : ""]),
          ["RECIPIENT", "LABEL", ""],
        );
      }),
    );

  key
    .command("trust")
    .description("accept the chart's current set of keys after it changed (e.g. a pull added a device)")
    .option("-y, --yes", "do not ask for confirmation")
    .action(
      reg.action(async (ctx, _a, opts) => {
        const chart = await ctx.chart();
        const entries = await recipientsOf(chart);
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
    .action(
      reg.action(async (ctx, [recipient], opts) => {
        const r = await checkRecipient(String(recipient).trim());
        const label = String(opts.label).trim();
        if (label === "" || /[\r\n]/.test(label)) throw invalid("E_KEY_LABEL", "a key needs a one-line label", "e.g. --label laptop");
        const chart = await ctx.chart();
        const entries = await recipientsOf(chart);
        if (entries.some((e) => e.recipient === r)) throw invalid("E_KEY_EXISTS", "that key can already open the chart", "see chart key show");
        if (entries.some((e) => e.label === label)) throw invalid("E_KEY_LABEL", `a key is already labelled "${label}"`, "choose another label");
        const res = await rekey(chart, [...entries, { recipient: r, label }], { secret: chart.identity.secret, rotateMac: false, message: "chart: add key" });
        report(ctx, `added key "${label}"`, res.files, { added: r, label });
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
        const res = await rekey(chart, entries.filter((e) => e !== gone), { secret: chart.identity.secret, rotateMac: true, message: "chart: remove key" });
        report(ctx, `removed key "${gone.label || gone.recipient}"`, res.files, { removed: gone.recipient });
        ctx.out.warn("the removed key can still read the chart's git history up to now: removal protects what is written from here on");
      }),
    );

  key
    .command("rotate")
    .description("replace your identity with a new one (and the MAC key); re-encrypts every record")
    .option("-y, --yes", "do not ask for confirmation")
    .option("--post-quantum", "make the new identity a post-quantum hybrid one (ML-KEM-768 + X25519)")
    .action(
      reg.action(async (ctx, _a, opts) => {
        const chart = await ctx.chart();
        const entries = await recipientsOf(chart);
        const mine = entries.find((e) => e.recipient === chart.identity.recipient);
        if (!mine) throw invalid("E_NOT_A_RECIPIENT", "your identity is not among the chart's recipients", "see chart key show");
        if (!(await confirm(ctx.deps, !!opts.yes, "Create a new identity and re-encrypt the chart for it?"))) throw invalid("E_DECLINED", "nothing was changed");
        const path = chart.identity.path;
        const fresh = `${path}.new`;
        if (await stat(fresh).then(() => true, () => false)) {
          throw invalid("E_ROTATE_PENDING", `${fresh} exists (an earlier rotation did not finish)`, "check which identity opens the chart, keep that one, and remove the other");
        }
        // The new identity is on disk before the chart depends on it.
        const next = await createIdentity(fresh, ctx.deps.now(), { postQuantum: !!opts.postQuantum });
        const res = await rekey(chart, entries.map((e) => (e === mine ? { ...e, recipient: next.recipient } : e)), { secret: next.secret, rotateMac: true, message: "chart: rotate key" }).catch(async (e: unknown) => {
          await rm(fresh, { force: true }); // nothing was changed: the new identity opens nothing
          throw e;
        });
        const old = `${path}.old-${stamp(ctx.deps.now()).replace(/[-:]/g, "")}`;
        await rename(path, old);
        await rename(fresh, path);
        report(ctx, `new identity in ${path} (recipient ${next.recipient})`, res.files, { identity: path, recipient: next.recipient, previous: old });
        ctx.out.warn(`back up the new identity now; keep the old one (${old}) to read the history written before today`);
        warnMixed(ctx, entries.map((e) => (e === mine ? next.recipient : e.recipient)));
      }),
    );
}
