/** chart init [DIR]: create (or check) a chart and the identity. */
import type { Command } from "commander";
import { hostname } from "node:os";
import { resolve } from "node:path";
import { isHybridRecipient } from "../../store/age.js";
import { createIdentity, identityExists, identityPath, loadIdentity } from "../../store/identity.js";
import { initChart } from "../../store/repo.js";
import { ensureSigningKey } from "../../store/signing-key.js";
import { addLine } from "./key.js";
import { readDevicePassphrase, unlockOptions } from "../unlock.js";
import { fingerprint } from "../../store/sshsig.js";
import type { Opts, Registrar } from "../program.js";
import type { Ctx } from "../context.js";
import { optFlag, optString } from "../options.js";
import { wire, type CommandSpec } from "../command.js";
import type { Output } from "../output.js";
import { ChartError, invalid } from "../../domain/errors.js";

export interface InitInput {
  dir: string;
  label?: string | undefined;
  postQuantum: boolean;
  /** Protect a new identity with a passphrase, read on the terminal or (stdin) from standard input. */
  passphrase: "terminal" | "stdin" | undefined;
}

export const parseInit = (args: readonly string[], opts: Opts): InitInput => ({ dir: args[0] ?? ".", label: optString(opts, "label") || undefined, postQuantum: optFlag(opts, "postQuantum"), passphrase: optFlag(opts, "passphraseStdin") ? "stdin" : optFlag(opts, "passphrase") ? "terminal" : undefined });

export type InitResult = {
  root: string;
  identity: string;
  identityCreated: boolean;
  recipient: string;
  /** A passphrase was set on the new identity and signing key here. */
  protectedNow: boolean;
} & (
  | { readable: false; addLine: string }
  | { readable: true; created: boolean; signingKey: string; fingerprint: string; signingCreated: boolean }
);

export async function runInit(ctx: Ctx, input: InitInput): Promise<InitResult> {
  const { deps } = ctx;
  const idPath = identityPath(deps.env, deps.cwd, ctx.opts.identity);
  const hadIdentity = await identityExists(idPath);
  let passphrase: string | undefined;
  if (input.passphrase && !hadIdentity) passphrase = await readDevicePassphrase(deps, { fromStdin: input.passphrase === "stdin", choosing: true, message: `Passphrase for the new identity ${idPath}` });
  const identity = hadIdentity ? await loadIdentity(idPath, unlockOptions(deps)) : await createIdentity(idPath, deps.now(), { postQuantum: input.postQuantum, passphrase });
  if (input.passphrase && !identity.protected) {
    throw invalid("E_NOT_PROTECTED_IDENTITY", `your identity ${idPath} exists and has no passphrase; nothing was created`, "protect it with chart key protect, then run chart init again");
  }
  if (input.postQuantum && !isHybridRecipient(identity.recipient)) {
    throw invalid("E_NOT_POST_QUANTUM", `your identity ${idPath} is an X25519 one, not post-quantum; nothing was created`, "init the chart without --post-quantum, then move it with chart key rotate --post-quantum (or use --identity NEW_FILE)");
  }
  const root = resolve(deps.cwd, input.dir);
  const label = input.label ?? `${deps.env.USER ?? "clinician"}@${hostname()}`;
  const signing = await ensureSigningKey(idPath, identity);
  const base = { root, identity: idPath, identityCreated: !hadIdentity, recipient: identity.recipient, protectedNow: passphrase !== undefined };
  let res;
  try {
    res = await initChart(root, identity, deps.env, `${deps.selfCommand} textconv`, label, signing.key);
  } catch (e) {
    // A chart cloned onto a new device: its key has not been added yet. Say what to run.
    if (!(e instanceof ChartError) || e.code !== "E_WRONG_IDENTITY") throw e;
    return { ...base, readable: false, addLine: addLine(identity.recipient, signing.key.publicKey, label.replace(/\s+/g, "-")) };
  }
  return { ...base, readable: true, created: res.created, signingKey: signing.key.publicKey, fingerprint: fingerprint(signing.key.pub), signingCreated: signing.created };
}

export function printInit(out: Output, r: InitResult): void {
  if (!r.readable) {
    if (r.identityCreated) out.info(`created identity ${r.identity} (mode 0600); back it up`);
    out.info("this device cannot open the chart yet. On a device that can, run this line, then chart sync there; then chart sync here:");
    out.info(`  ${r.addLine}`);
    out.line(r.recipient);
    return;
  }
  if (r.identityCreated) out.info(`created identity ${r.identity} (mode 0600); back it up: without it the chart cannot be read`);
  if (r.protectedNow) out.info("the identity and signing key are protected with your passphrase: run chart unlock to start a session (without it, commands ask on a terminal)");
  if (r.signingCreated) out.info(`created signing key ${r.identity}.signing (mode 0600): every commit from this device is signed with it`);
  out.info(`this device signs as ${r.fingerprint}`);
  out.info(r.created ? `initialised chart in ${r.root}` : `chart in ${r.root} is already initialised; checked and refreshed local git settings`);
  out.line(r.recipient);
}

export const init: CommandSpec<InitInput, InitResult> = {
  parse: parseInit,
  run: runInit,
  text: printInit,
  json: (r) =>
    r.readable
      ? { root: r.root, created: r.created, identity: r.identity, identityCreated: r.identityCreated, recipient: r.recipient, signingKey: r.signingKey, fingerprint: r.fingerprint }
      : { root: r.root, created: false, identity: r.identity, identityCreated: r.identityCreated, recipient: r.recipient, readable: false },
};

export function registerInit(program: Command, reg: Registrar): void {
  program
    .command("init")
    .description("create a chart repository (and your identity if you have none); safe to run again")
    .argument("[dir]", "folder for the chart", ".")
    .option("--label <label>", "label for your key in .chart/recipients", "")
    .option("--post-quantum", "create a post-quantum hybrid identity (ML-KEM-768 + X25519; stock age 1.3+ reads the files)")
    .option("--passphrase", "protect the new identity and signing key with a passphrase, asked on the terminal (then chart unlock)")
    .option("--passphrase-stdin", "like --passphrase, reading the passphrase from standard input's first line")
    .action(wire(reg, init));
}
