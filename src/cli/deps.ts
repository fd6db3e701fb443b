/** Everything a command touches outside pure code, passed in so tests are exact. */
import type { Readable, Writable } from "node:stream";
import type { Env } from "../store/env.js";

export interface Prompter {
  input(opts: { message: string; default?: string; validate?: (v: string) => true | string }): Promise<string>;
  confirm(opts: { message: string; default?: boolean }): Promise<boolean>;
  select<T extends string>(opts: { message: string; choices: { name: string; value: T }[] }): Promise<T>;
}

export interface Deps {
  env: Env;
  cwd: string;
  now: () => Date;
  stdin: Readable;
  stdout: Writable;
  stderr: Writable;
  isTTY: { stdin: boolean; stdout: boolean; stderr: boolean };
  /** The terminal's width in columns, when stdout is one. */
  columns?: number;
  random: (n: number) => Uint8Array;
  /** Prompts; undefined means load @inquirer/prompts lazily (TTY only). */
  prompter?: Prompter;
  /** Register a synchronous cleanup for exit and signals; returns the unregister function. */
  onCleanup: (fn: () => void) => () => void;
  /** Ignore SIGINT while a child (the editor) owns the terminal; returns the restore function. */
  holdInterrupts: () => () => void;
  /** Path to this program's entry script, for git's textconv driver. */
  selfCommand: string;
}
