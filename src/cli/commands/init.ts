/** chart init [DIR]: create (or check) a chart and the identity. */
import type { Command } from "commander";
import { hostname } from "node:os";
import { resolve } from "node:path";
import { createIdentity, identityExists, identityPath, loadIdentity } from "../../store/identity.js";
import { initChart } from "../../store/repo.js";
import { ensureSigningKey } from "../../store/signing-key.js";
import { fingerprint } from "../../store/sshsig.js";
import type { Registrar } from "../program.js";

export function registerInit(program: Command, reg: Registrar): void {
  program
    .command("init")
    .description("create a chart repository (and your identity if you have none); safe to run again")
    .argument("[dir]", "folder for the chart", ".")
    .option("--label <label>", "label for your key in .chart/recipients", "")
    .action(
      reg.action(async (ctx, [dir], opts) => {
        const { deps, out } = ctx;
        const idPath = identityPath(deps.env, deps.cwd, ctx.opts.identity);
        const hadIdentity = await identityExists(idPath);
        const identity = hadIdentity ? await loadIdentity(idPath) : await createIdentity(idPath, deps.now());
        const root = resolve(deps.cwd, dir ?? ".");
        const label = (opts.label as string) || `${deps.env.USER ?? "clinician"}@${hostname()}`;
        const signing = await ensureSigningKey(idPath);
        const res = await initChart(root, identity, deps.env, `${deps.selfCommand} textconv`, label, signing.key);
        const fp = fingerprint(signing.key.pub);
        if (out.json) {
          out.data({ root, created: res.created, identity: idPath, identityCreated: !hadIdentity, recipient: identity.recipient, signingKey: signing.key.publicKey, fingerprint: fp });
          return;
        }
        if (!hadIdentity) out.info(`created identity ${idPath} (mode 0600); back it up: without it the chart cannot be read`);
        if (signing.created) out.info(`created signing key ${idPath}.signing (mode 0600): every commit from this device is signed with it`);
        out.info(`this device signs as ${fp}`);
        out.info(res.created ? `initialised chart in ${root}` : `chart in ${root} is already initialised; checked and refreshed local git settings`);
        out.line(identity.recipient);
      }),
    );
}
