/**
 * The words of a command line that name its command (`client list` in `chart --repo R client
 * list --all`): the program registers only that command's group (program.ts), and the boot file
 * picks the code cache made for it (boot.ts). Only a speed-up rests on them: a word missed or
 * misread costs start-up time, never a different command.
 */

/** Global options that take a value (the command word is never one of their values). */
const VALUE_OPTIONS = new Set(["--repo", "--identity"]);

/** The first `n` words that are neither options nor a global option's value, up to `--`. */
export function commandWords(argv: readonly string[], n: number): string[] {
  const words: string[] = [];
  for (let i = 0; i < argv.length && words.length < n; i++) {
    const a = argv[i] as string;
    if (a === "--") break;
    if (VALUE_OPTIONS.has(a)) i += 1;
    else if (!a.startsWith("-")) words.push(a);
  }
  return words;
}

/** The command a command line names (`client` in `chart --repo R client list`), if any. */
export const commandWord = (argv: readonly string[]): string | undefined => commandWords(argv, 1)[0];
