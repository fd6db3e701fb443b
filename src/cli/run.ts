/** The process shell: real streams, clock, environment and signals, then main(). */
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import type { Deps } from "./deps.js";
import { main } from "./main.js";

export async function run(argv = process.argv.slice(2)): Promise<number> {
  process.umask(0o077);
  const cleanups = new Set<() => void>();
  const runCleanups = () => {
    // Last registered first, like a stack: the editor is stopped before its buffer is removed.
    for (const fn of [...cleanups].reverse()) {
      try {
        fn();
      } catch {
        /* best effort */
      }
      cleanups.delete(fn);
    }
  };
  let held = 0;
  const onSignal = (sig: NodeJS.Signals, n: number) => () => {
    if (sig === "SIGINT" && held > 0) return; // the editor owns the terminal; like git, wait for it
    runCleanups();
    process.exit(128 + n);
  };
  const handlers: [NodeJS.Signals, () => void][] = [
    ["SIGINT", onSignal("SIGINT", 2)],
    ["SIGTERM", onSignal("SIGTERM", 15)],
    ["SIGHUP", onSignal("SIGHUP", 1)],
  ];
  for (const [s, h] of handlers) process.on(s, h);
  process.on("exit", runCleanups);
  // `chart note list X | head -1`: the reader went away; stop quietly, like other Unix tools.
  const onPipeError = (e: NodeJS.ErrnoException) => {
    if (e.code === "EPIPE") process.exit(0);
    throw e;
  };
  process.stdout.on("error", onPipeError);
  const entry = fileURLToPath(new URL("../../bin/chart.js", import.meta.url));
  const deps: Deps = {
    env: process.env,
    cwd: process.cwd(),
    now: () => new Date(),
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    // Off a terminal isTTY is undefined, whatever the types say: make it a boolean.
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-conversion
    isTTY: { stdin: !!process.stdin.isTTY, stdout: !!process.stdout.isTTY, stderr: !!process.stderr.isTTY },
    ...(process.stdout.isTTY ? { columns: process.stdout.columns } : {}),
    random: (n) => new Uint8Array(randomBytes(n)),
    onCleanup: (fn) => {
      cleanups.add(fn);
      return () => cleanups.delete(fn);
    },
    holdInterrupts: () => {
      held += 1;
      return () => {
        held -= 1;
      };
    },
    selfCommand: `${shellQuote(process.execPath)} ${shellQuote(entry)}`,
  };
  try {
    return await main(argv, deps);
  } finally {
    for (const [s, h] of handlers) process.off(s, h);
    runCleanups();
  }
}

export const shellQuote = (s: string): string => (/^[A-Za-z0-9_./:@%+=-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);
