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
import type { Registrar } from "../program.js";
import { ChartError, invalid } from "../../domain/errors.js";

export function registerInit(program: Command, reg: Registrar): void {
  program
    .command("init")
    .description("create a chart repository (and your identity if you have none); safe to run again")
    .argument("[dir]", "folder for the chart", ".")
    .option("--label <label>", "label for your key in .chart/recipients", "")
    .option("--post-quantum", "create a post-quantum hybrid identity (ML-KEM-768 + X25519; stock age 1.3+ reads the files)")
    .option("--passphrase", "protect the new identity and signing key with a passphrase, asked on the terminal (then chart unlock)")
    .option("--passphrase-stdin", "like --passphrase, reading the passphrase from standard input's first line")
    .action(
      reg.action(async (ctx, [dir], opts) => {
        const { deps, out } = ctx;
        const idPath = identityPath(deps.env, deps.cwd, ctx.opts.identity);
        const hadIdentity = await identityExists(idPath);
        const wantsPassphrase = !!opts.passphrase || !!opts.passphraseStdin;
        let passphrase: string | undefined;
        if (wantsPassphrase && !hadIdentity) passphrase = await readDevicePassphrase(deps, { fromStdin: !!opts.passphraseStdin, choosing: true, message: `Passphrase for the new identity ${idPath}` });
        const identity = hadIdentity ? await loadIdentity(idPath, unlockOptions(deps)) : await createIdentity(idPath, deps.now(), { postQuantum: !!opts.postQuantum, passphrase });
        if (wantsPassphrase && !identity.protected) {
          throw invalid("E_NOT_PROTECTED_IDENTITY", `your identity ${idPath} exists and has no passphrase; nothing was created`, "protect it with chart key protect, then run chart init again");
        }
        if (opts.postQuantum && !isHybridRecipient(identity.recipient)) {
          throw invalid("E_NOT_POST_QUANTUM", `your identity ${idPath} is an X25519 one, not post-quantum; nothing was created`, "init the chart without --post-quantum, then move it with chart key rotate --post-quantum (or use --identity NEW_FILE)");
        }
        const root = resolve(deps.cwd, dir ?? ".");
        const label = (opts.label as string) || `${deps.env.USER ?? "clinician"}@${hostname()}`;
        const signing = await ensureSigningKey(idPath, identity);
        let res;
        try {
          res = await initChart(root, identity, deps.env, `${deps.selfCommand} textconv`, label, signing.key);
        } catch (e) {
          // A chart cloned onto a new device: its key has not been added yet. Say what to run.
          if (!(e instanceof ChartError) || e.code !== "E_WRONG_IDENTITY") throw e;
          if (out.json) {
            out.data({ root, created: false, identity: idPath, identityCreated: !hadIdentity, recipient: identity.recipient, readable: false });
            return;
          }
          if (!hadIdentity) out.info(`created identity ${idPath} (mode 0600); back it up`);
          out.info("this device cannot open the chart yet. On a device that can, run this line, then chart sync there; then chart sync here:");
          out.info(`  ${addLine(identity.recipient, signing.key.publicKey, label.replace(/\s+/g, "-"))}`);
          out.line(identity.recipient);
          return;
        }
        const fp = fingerprint(signing.key.pub);
        if (out.json) {
          out.data({ root, created: res.created, identity: idPath, identityCreated: !hadIdentity, recipient: identity.recipient, signingKey: signing.key.publicKey, fingerprint: fp });
          return;
        }
        if (!hadIdentity) out.info(`created identity ${idPath} (mode 0600); back it up: without it the chart cannot be read`);
        if (passphrase !== undefined) out.info("the identity and signing key are protected with your passphrase: run chart unlock to start a session (without it, commands ask on a terminal)");
        if (signing.created) out.info(`created signing key ${idPath}.signing (mode 0600): every commit from this device is signed with it`);
        out.info(`this device signs as ${fp}`);
        out.info(res.created ? `initialised chart in ${root}` : `chart in ${root} is already initialised; checked and refreshed local git settings`);
        out.line(identity.recipient);
      }),
    );
}
