/**
 * The editor round-trip. The buffer lives in a private RAM-backed folder ($XDG_RUNTIME_DIR or
 * /dev/shm, mode 0700), is removed on exit and on signals, and stale ones are swept on the next
 * run. vim and neovim get swap, backup and undo files turned off.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, realpathSync, rmSync, statSync } from "node:fs";
import { readdir, readFile, rm, writeFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { ChartError, invalid, usageError } from "../domain/errors.js";
import type { Deps } from "./deps.js";
import { pidAlive } from "../store/pid.js";

const PREFIX = "chart-edit-";

/** The buffer's own folder is made 0700 by mkdtemp, so any existing base folder will do. */
function isDir(dir: string): boolean {
  try {
    return statSync(dir).isDirectory();
  } catch {
    return false;
  }
}

/** Where buffers go: $CHART_EDIT_DIR (tests), else $XDG_RUNTIME_DIR, else /dev/shm. */
export function bufferBase(deps: Pick<Deps, "env">): string {
  for (const d of [deps.env.CHART_EDIT_DIR, deps.env.XDG_RUNTIME_DIR, "/dev/shm"]) {
    if (d && isDir(d)) return d;
  }
  throw invalid(
    "E_NO_RAM_DIR",
    "no private RAM-backed folder for the editor buffer ($XDG_RUNTIME_DIR or /dev/shm)",
    "set XDG_RUNTIME_DIR to a 0700 tmpfs folder, or pass the text with -m or -F",
  );
}


/** Remove buffers left by chart runs that are no longer alive. */
export async function sweepStale(base: string): Promise<number> {
  let n = 0;
  for (const name of await readdir(base).catch(() => [] as string[])) {
    const m = new RegExp(`^${PREFIX}(\\d+)-`).exec(name);
    if (m && !pidAlive(Number(m[1]))) {
      await rm(join(base, name), { recursive: true, force: true });
      n += 1;
    }
  }
  return n;
}

/**
 * Which editor family a program is, from its name: the vim family however it is called (vi,
 * view, ex, rvim, vimdiff, vim.basic, vim.tiny, nvim, gvim, ...), nano, or emacs. Debian's
 * `editor` and `vi` are alternatives (symlinks): resolved before the name is looked at.
 */
export type EditorFamily = "vim" | "nano" | "emacs" | "unknown";
export function editorFamily(name: string): EditorFamily {
  const n = name.toLowerCase();
  if (/^(vi|vim|view|ex|rvim|rview|vimdiff|evim|eview|gvim|gview|gvimdiff|mvim|vimx|nvim|nvim-qt)([.-][a-z0-9.-]+)?$/.test(n)) return "vim";
  if (/^(nano|rnano)([.-][a-z0-9.-]+)?$/.test(n)) return "nano";
  if (/^emacs([.-][a-z0-9.-]+)?$/.test(n)) return "emacs";
  return "unknown";
}

/** The program a command word runs: found on PATH (unless it has a slash), symlinks resolved. */
export function resolveProgram(word: string, env: Deps["env"]): string | undefined {
  const candidates = word.includes("/") ? [word] : (env.PATH ?? "").split(":").filter(Boolean).map((d) => join(d, word));
  for (const c of candidates) {
    try {
      const real = realpathSync(c);
      if (statSync(real).isFile()) return real;
    } catch {
      /* next */
    }
  }
  return undefined;
}

/**
 * Flags that keep the text out of the editor's own files. vim/neovim: no swap, backup, undo or
 * viminfo/shada (where yanks and registers would be kept). nano: restricted mode (no history,
 * no backups, nothing read or written but the buffer). emacs: no backup, auto-save or lock files,
 * no saved history.
 */
export const SAFE_FLAGS: Record<EditorFamily, string[]> = {
  vim: ["-n", "-i", "NONE", "--cmd", "set nobackup nowritebackup noundofile noswapfile viminfo="],
  nano: ["--restricted"],
  emacs: [
    "--eval",
    "(progn (setq make-backup-files nil backup-inhibited t auto-save-default nil create-lockfiles nil auto-save-list-file-prefix nil) (when (fboundp 'savehist-mode) (savehist-mode -1)))",
  ],
  unknown: [],
};

/** The editor the user named, or vi; and the family it belongs to (the resolved program first). */
export function editorCommand(deps: Pick<Deps, "env">): { cmd: string; extra: string[]; family: EditorFamily; explicit: boolean } {
  const named = (deps.env.VISUAL || deps.env.EDITOR || "").trim();
  const cmd = named || "vi";
  const word = cmd.split(/\s+/)[0] ?? "";
  const real = resolveProgram(word, deps.env);
  const byReal = real ? editorFamily(basename(real)) : "unknown";
  // A resolved program decides (Debian's vi may be nvi, busybox, or vim.basic); the typed name
  // only when the program cannot be found.
  const family = real ? byReal : editorFamily(basename(word));
  return { cmd, extra: SAFE_FLAGS[family], family, explicit: named !== "" };
}

/**
 * The shell script that runs the editor. A plain command is exec'd, so the editor replaces the
 * shell and a signal sent to it on cleanup reaches the editor itself (dash does not forward
 * signals, and would leave the editor running with the text). Commands with shell syntax
 * (`;`, `|`, `&`, parentheses, backquotes, or a leading VAR=value) run as written.
 */
export function editorScript(cmd: string): string {
  const plain = !/[;&|()`]/.test(cmd) && !/^[A-Za-z_][A-Za-z0-9_]*=/.test(cmd);
  return `${plain ? "exec " : ""}${cmd} "$@"`;
}

/**
 * Without a terminal and without an editor the user named ($VISUAL/$EDITOR), fail at once
 * (cron, scripts): no vi started blind, no escape codes in cron mail.
 */
export function assertCanEdit(deps: Pick<Deps, "env" | "isTTY">): void {
  if (!editorCommand(deps).explicit && !(deps.isTTY.stdin && deps.isTTY.stdout)) {
    throw usageError(
      "E_NO_EDITOR",
      "no text was given and there is no terminal for an editor",
      "pass the text with -m TEXT, -F FILE or -F - (standard input), or set $VISUAL/$EDITOR",
    );
  }
}

/**
 * Open `initial` in the editor; return the saved text. The buffer is removed whatever happens.
 */
export async function editText(deps: Deps, initial: string, name = "note.md"): Promise<string> {
  assertCanEdit(deps);
  const base = bufferBase(deps);
  await sweepStale(base);
  const dir = mkdtempSync(join(base, `${PREFIX}${process.pid}-`));
  const cleanup = () => rmSync(dir, { recursive: true, force: true });
  const unregister = deps.onCleanup(cleanup);
  const file = join(dir, name);
  const release = deps.holdInterrupts();
  try {
    await writeFile(file, initial, { mode: 0o600 });
    const { cmd, extra } = editorCommand(deps);
    const code = await new Promise<number>((resolvePromise, reject) => {
      const child = spawn("/bin/sh", ["-c", editorScript(cmd), "sh", ...extra, file], {
        stdio: "inherit",
        env: { ...deps.env },
        cwd: dir,
      });
      const killChild = () => child.kill("SIGTERM");
      const unkill = deps.onCleanup(killChild);
      child.on("error", (e) => {
        unkill();
        reject(e);
      });
      child.on("exit", (c, sig) => {
        unkill();
        resolvePromise(c ?? (sig ? 128 : 1));
      });
    });
    if (code !== 0) {
      throw invalid("E_EDITOR", `the editor exited with status ${code}; nothing was written`, "fix $VISUAL/$EDITOR, or pass the text with -m or -F");
    }
    return await readFile(file, "utf8");
  } catch (e) {
    if (e instanceof ChartError) throw e;
    throw invalid("E_EDITOR", `the editor could not be started (${(e as NodeJS.ErrnoException).code ?? "error"}); nothing was written`, "set $VISUAL or $EDITOR, or pass the text with -m or -F");
  } finally {
    release();
    cleanup();
    unregister();
  }
}
