#!/usr/bin/env node
// A scripted $EDITOR for tests. Behaviour from FAKE_EDITOR_MODE:
//   write:TEXT   replace the buffer with TEXT ("\n" escapes allowed)
//   append:TEXT  append TEXT
//   noop         leave the buffer unchanged
//   empty        empty the buffer
//   fail         exit 1
//   sleep        wait (for signal tests) until killed
// FAKE_EDITOR_LOG: a file to which the buffer path is appended (to check it was removed).
// FAKE_EDITOR_INFO: a file to which one JSON line is appended before acting:
//   {"file", "pid", "mode", "dirMode"} (the editor's pid, the buffer's and its folder's modes).
// FAKE_EDITOR_DELAY_MS: wait this long before acting (for SIGINT-while-editing tests).
import { appendFileSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

const file = process.argv[process.argv.length - 1];
const mode = process.env.FAKE_EDITOR_MODE ?? "noop";
if (process.env.FAKE_EDITOR_LOG) appendFileSync(process.env.FAKE_EDITOR_LOG, `${file}\n`);
if (process.env.FAKE_EDITOR_INFO) {
  const octal = (p) => (statSync(p).mode & 0o777).toString(8);
  appendFileSync(process.env.FAKE_EDITOR_INFO, `${JSON.stringify({ file, pid: process.pid, mode: octal(file), dirMode: octal(dirname(file)) })}\n`);
}
const delay = Number(process.env.FAKE_EDITOR_DELAY_MS ?? 0);
if (delay > 0) await new Promise((r) => setTimeout(r, delay));
const arg = (m) => mode.slice(m.length + 1).replace(/\\n/g, "\n");
if (mode.startsWith("write:")) writeFileSync(file, arg("write"));
else if (mode.startsWith("append:")) writeFileSync(file, readFileSync(file, "utf8") + arg("append"));
else if (mode === "empty") writeFileSync(file, "");
else if (mode === "fail") process.exit(1);
else if (mode === "sleep") setInterval(() => {}, 1000);
