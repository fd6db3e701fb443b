/** chart textconv FILE: git's diff driver; prints a record's decrypted text (hidden). */
import type { Command } from "commander";
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
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
          throw keyError("E_DECRYPT", `${file as string} cannot be decrypted (corrupted, or not encrypted to this identity)`, "see chart fsck");
        }
        ctx.deps.stdout.write(plain.replace(/[ \n]+$/, "\n"));
      }),
    );
}
