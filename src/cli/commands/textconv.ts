/** chart textconv FILE: git's diff driver; prints a record's decrypted text (hidden). */
import type { Command } from "commander";
import { readFile } from "node:fs/promises";
import { basename, resolve } from "node:path";
import { KIND_DIR, recordPath, type RecordKind } from "../../domain/record.js";
import { keyError } from "../../domain/errors.js";
import type { Registrar } from "../program.js";

export function registerTextconv(program: Command, reg: Registrar): void {
  program
    .command("textconv", { hidden: true })
    .description("print a record's decrypted text (git diff driver)")
    .argument("<file>")
    .action(
      reg.action(async (ctx, [file]) => {
        // Shows a blob git hands over (any version, e.g. while reviewing a commit chart refused):
        // no history check, nothing written.
        const chart = await ctx.chartUnverified();
        const data = await readFile(resolve(ctx.deps.cwd, file as string));
        if (data.length === 0) return;
        let plain: string;
        try {
          plain = new TextDecoder().decode(await chart.cipher.decrypt(data));
        } catch {
          // History written before a key rotation: try the identities this device kept.
          const { decryptWithOldIdentities } = await import("../../store/old-identities.js");
          const old = await decryptWithOldIdentities(chart.identity.path, data, chart.identity.key);
          if (old !== undefined) {
            ctx.deps.stdout.write(new TextDecoder().decode(old).replace(/[ \n]+$/, "\n"));
            return;
          }
          throw keyError("E_DECRYPT", `${file as string} cannot be decrypted (corrupted, or not encrypted to this identity)`, "see chart fsck");
        }
        // git hands the driver a temporary copy of each blob: the record is named from its own
        // content, so `git log -p` leaves its reads in the access log like any other command.
        const field = (k: string) => new RegExp(`^${k}: ([a-z0-9_]+)$`, "m").exec(plain)?.[1];
        const kind = field("kind");
        const id = field("id");
        const client = field("client") ?? (kind === "client" ? id : undefined);
        if (kind && id && client && kind in KIND_DIR) chart.touched.read.add(recordPath(kind as RecordKind, client, id));
        else chart.touched.read.add(`unknown/${basename(file as string)}`);
        ctx.out.text(plain.replace(/[ \n]+$/, "\n"));
      }),
    );
}
