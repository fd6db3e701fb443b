/**
 * A temporary HOME for one test chart: its own XDG folders, TMPDIR, an empty git config and a
 * scripted $EDITOR, shared by the real-binary (e2e.ts) and in-process (inproc.ts) sandboxes.
 */
import { tempDir } from "./tmp.js";
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";

export const FAKE_EDITOR = join(resolve(import.meta.dirname, "../.."), "test", "support", "fake-editor.mjs");

export interface TestHome {
  home: string;
  repo: string; // where the chart goes
  identity: string;
  runtimeDir: string; // XDG_RUNTIME_DIR: where editor buffers go
  tmp: string; // TMPDIR
  env: Record<string, string>;
}

export function testHome(prefix: string): TestHome {
  const home = tempDir(prefix);
  const runtimeDir = join(home, "run");
  const tmp = join(home, "tmp");
  mkdirSync(runtimeDir, { mode: 0o700 });
  mkdirSync(tmp, { mode: 0o700 });
  chmodSync(runtimeDir, 0o700);
  const gitconfig = join(home, ".gitconfig");
  writeFileSync(gitconfig, "");
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: home,
    XDG_CONFIG_HOME: join(home, ".config"),
    XDG_RUNTIME_DIR: runtimeDir,
    TMPDIR: tmp,
    GIT_CONFIG_GLOBAL: gitconfig,
    GIT_CONFIG_NOSYSTEM: "1",
    LANG: "C.UTF-8",
    NO_COLOR: "1",
    EDITOR: `node ${FAKE_EDITOR}`,
    CHART_CLINICIAN: "Dr Test",
  };
  return { home, repo: join(home, "chart"), identity: join(home, ".config", "chart", "identity"), runtimeDir, tmp, env };
}
