/**
 * End-to-end harness: runs the built binary (bin/chart.js) in a temporary HOME with its own
 * identity, XDG folders, TMPDIR and a scripted $EDITOR.
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { testHome } from "./home.js";

export const ROOT = resolve(import.meta.dirname, "../..");
export const BIN = join(ROOT, "bin", "chart.js");
export { FAKE_EDITOR } from "./home.js";

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface Sandbox {
  home: string;
  repo: string; // chart repository (after init)
  identity: string;
  runtimeDir: string; // XDG_RUNTIME_DIR: where editor buffers go
  tmp: string; // TMPDIR
  env: Record<string, string>;
  /** Run chart with args; cwd defaults to the repo. */
  run(args: string[], opts?: { input?: string; env?: Record<string, string>; cwd?: string }): RunResult;
  /** Same, asynchronously (for concurrency and signal tests). */
  spawn(args: string[], opts?: { env?: Record<string, string>; cwd?: string }): ReturnType<typeof spawn>;
  /** Run and expect exit 0; returns trimmed stdout. */
  ok(args: string[], opts?: { input?: string; env?: Record<string, string>; cwd?: string }): string;
}

export function sandbox(opts: { init?: boolean } = {}): Sandbox {
  const { home, repo, identity, runtimeDir, tmp, env } = testHome("chart-e2e-");
  const sb: Sandbox = {
    home,
    repo,
    identity,
    runtimeDir,
    tmp,
    env,
    run(args, o = {}) {
      const r = spawnSync(process.execPath, [BIN, ...args], {
        cwd: o.cwd ?? (opts.init === false ? home : repo),
        env: { ...env, ...o.env },
        input: o.input ?? "",
        encoding: "utf8",
        timeout: 60_000,
      });
      return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
    },
    spawn(args, o = {}) {
      return spawn(process.execPath, [BIN, ...args], {
        cwd: o.cwd ?? repo,
        env: { ...env, ...o.env },
        stdio: ["ignore", "pipe", "pipe"],
      });
    },
    ok(args, o) {
      const r = sb.run(args, o);
      if (r.code !== 0) throw new Error(`chart ${args.join(" ")} exited ${r.code}\n${r.stderr}`);
      return r.stdout.trim();
    },
  };
  if (opts.init !== false) {
    mkdirSync(repo);
    sb.ok(["init", repo], { cwd: home });
  }
  return sb;
}

/** Add a client and return its id. */
export function addClient(sb: Sandbox, name: string, extra: string[] = []): string {
  return sb.ok(["client", "add", "--name", name, ...extra]);
}
