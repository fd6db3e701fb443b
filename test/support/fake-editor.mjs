#!/usr/bin/env node
// A scripted $EDITOR for tests. Behaviour from FAKE_EDITOR_MODE:
//   write:TEXT   replace the buffer with TEXT ("\n" escapes allowed)
//   append:TEXT  append TEXT
//   noop         leave the buffer unchanged
//   empty        empty the buffer
//   fail         exit 1
//   sleep        wait (for signal tests) until killed
// FAKE_EDITOR_LOG: a file to which the buffer path is appended (to check it was removed).
import { appendFileSync, readFileSync, writeFileSync } from "node:fs";

const file = process.argv[process.argv.length - 1];
const mode = process.env.FAKE_EDITOR_MODE ?? "noop";
if (process.env.FAKE_EDITOR_LOG) appendFileSync(process.env.FAKE_EDITOR_LOG, `${file}\n`);
const arg = (m) => mode.slice(m.length + 1).replace(/\\n/g, "\n");
if (mode.startsWith("write:")) writeFileSync(file, arg("write"));
else if (mode.startsWith("append:")) writeFileSync(file, readFileSync(file, "utf8") + arg("append"));
else if (mode === "empty") writeFileSync(file, "");
else if (mode === "fail") process.exit(1);
else if (mode === "sleep") setInterval(() => {}, 1000);
