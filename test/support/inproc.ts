/**
 * In-process harness: calls main(argv, deps) from src with fake deps (streams captured, no TTY,
 * fixed or real clock). Much faster than running the binary; use it for breadth.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync } from "node:fs";
import { Readable, Writable } from "node:stream";
import type { Deps, Prompter } from "../../src/cli/deps.js";
import { main } from "../../src/cli/main.js";
import type { RunResult } from "./e2e.js";
import { testHome } from "./home.js";

class Sink extends Writable {
  text = "";
  override _write(chunk: Buffer | string, _enc: BufferEncoding, cb: () => void): void {
    this.text += typeof chunk === "string" ? chunk : chunk.toString("utf8");
    cb();
  }
}

export interface InprocOptions {
  input?: string;
  env?: Record<string, string | undefined>;
  cwd?: string;
  now?: Date;
  /** Pretend stderr is a terminal. */
  stderrTTY?: boolean;
  /** stdout is a terminal this many columns wide. */
  stdoutColumns?: number;
  /** Answer prompts (as on a terminal). */
  prompter?: Prompter;
}

export interface Inproc {
  home: string;
  repo: string;
  identity: string;
  env: Record<string, string>;
  run(args: string[], o?: InprocOptions): Promise<RunResult>;
  ok(args: string[], o?: InprocOptions): Promise<string>;
}

/** A temporary HOME with an initialised chart (unless init: false), driven in-process. */
export async function inprocSandbox(opts: { init?: boolean; now?: Date } = {}): Promise<Inproc> {
  const { home, repo, identity, env } = testHome("chart-inproc-");
  const sb: Inproc = {
    home,
    repo,
    identity,
    env,
    async run(args, o = {}) {
      const stdout = new Sink();
      const stderr = new Sink();
      const mergedEnv: Record<string, string> = { ...env };
      for (const [k, v] of Object.entries(o.env ?? {})) {
        // eslint-disable-next-line @typescript-eslint/no-dynamic-delete -- an undefined value unsets the variable
        if (v === undefined) delete mergedEnv[k];
        else mergedEnv[k] = v;
      }
      const fixed = o.now ?? opts.now;
      const deps: Deps = {
        env: mergedEnv,
        cwd: o.cwd ?? (opts.init === false ? home : repo),
        now: () => (fixed ? new Date(fixed) : new Date()),
        stdin: Readable.from([Buffer.from(o.input ?? "")]),
        stdout,
        stderr,
        isTTY: { stdin: false, stdout: o.stdoutColumns !== undefined, stderr: !!o.stderrTTY },
        ...(o.stdoutColumns !== undefined ? { columns: o.stdoutColumns } : {}),
        random: (n) => new Uint8Array(randomBytes(n)),
        onCleanup: () => () => undefined,
        holdInterrupts: () => () => undefined,
        ...(o.prompter ? { prompter: o.prompter } : {}),
        selfCommand: "chart",
      };
      const code = await main(args, deps);
      return { code, stdout: stdout.text, stderr: stderr.text };
    },
    async ok(args, o) {
      const r = await sb.run(args, o);
      if (r.code !== 0) throw new Error(`chart ${args.join(" ")} exited ${r.code}\n${r.stderr}`);
      return r.stdout.trim();
    },
  };
  if (opts.init !== false) {
    mkdirSync(repo);
    await sb.ok(["init", repo], { cwd: home });
  }
  return sb;
}

export const randomId = (): string => randomBytes(6).toString("hex");
