/** chart textconv FILE: git's diff driver; prints a record's decrypted text (hidden). */
import type { Command } from "commander";
import { readFile } from "node:fs/promises";
import { basename, resolve } from "node:path";
import { KIND_DIR, recordPath, type RecordKind } from "../../domain/record.js";
import { keyError } from "../../domain/errors.js";
import type { Ctx } from "../context.js";
import type { Registrar } from "../program.js";
import { wire, type CommandSpec } from "../command.js";
import { arg } from "../options.js";

export interface TextconvInput {
  file: string;
}

export const parseTextconv = (args: readonly string[]): TextconvInput => ({ file: arg(args, 0, "FILE") });

/** The record's text (trailing blanks cut to one newline), or "" for an empty blob. */
export async function runTextconv(ctx: Ctx, input: TextconvInput): Promise<string> {
  const { file } = input;
  // Shows a blob git hands over (any version, e.g. while reviewing a commit chart refused):
  // no history check, nothing written.
  const chart = await ctx.chartUnverified();
  const data = await readFile(resolve(ctx.deps.cwd, file));
  if (data.length === 0) return "";
  let plain: string;
  try {
    plain = new TextDecoder().decode(await chart.cipher.decrypt(data));
  } catch {
    // History written before a key rotation: try the identities this device kept.
    const { decryptWithOldIdentities } = await import("../../store/old-identities.js");
    const old = await decryptWithOldIdentities(chart.identity.path, data, chart.identity.key);
    if (old !== undefined) return new TextDecoder().decode(old).replace(/[ \n]+$/, "\n");
    throw keyError("E_DECRYPT", `${file} cannot be decrypted (corrupted, or not encrypted to this identity)`, "see chart fsck");
  }
  // git hands the driver a temporary copy of each blob: the record is named from its own
  // content, so `git log -p` leaves its reads in the access log like any other command.
  const field = (k: string) => new RegExp(`^${k}: ([a-z0-9_]+)$`, "m").exec(plain)?.[1];
  const kind = field("kind");
  const id = field("id");
  const client = field("client") ?? (kind === "client" ? id : undefined);
  if (kind && id && client && kind in KIND_DIR) chart.touched.read.add(recordPath(kind as RecordKind, client, id));
  else chart.touched.read.add(`unknown/${basename(file)}`);
  return plain.replace(/[ \n]+$/, "\n");
}

/** git's diff driver: the text as is (terminal-safe), with --json too. */
export const textconv: CommandSpec<TextconvInput, string> = {
  parse: parseTextconv,
  run: runTextconv,
  text: (out, plain) => {
    if (plain !== "") out.text(plain);
  },
  document: true,
};

export function registerTextconv(program: Command, reg: Registrar): void {
  program
    .command("textconv", { hidden: true })
    .description("print a record's decrypted text (git diff driver)")
    .argument("<file>")
    .action(wire(reg, textconv));
}
