#!/usr/bin/env node
// Times `chart import` alone, at one or more sizes, next to `node -e 0` measured in the same run:
// each run is a fresh chart (init, then import of the same JSONL). Prints medians of wall time and
// of peak RSS (/usr/bin/time). Used to check that import is linear in its input (issue 7).
//
//   IMPORT_NOTES=10000,50000 (default 50000: the large chart's 300 clients, 50,000 notes and
//   20,000 events; events scale with the notes)   IMPORT_RUNS=3   IMPORT_HOME=<folder> (default
//   a temporary one, removed at the end)   BENCH_BIN=<another build's bin/chart.js>
//   IMPORT_WRITE=<folder>: only write the JSONL files there
//   IMPORT_PROF=<folder>: a CPU profile (node --cpu-prof) of the last run of each size
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { benchChart } from "./chart-data.mjs";

const ROOT = resolve(import.meta.dirname, "..");
const BIN = process.env.BENCH_BIN ? resolve(process.env.BENCH_BIN) : join(ROOT, "bin", "chart.js");
const SIZES = (process.env.IMPORT_NOTES ?? "50000").split(",").map(Number);
const RUNS = Number(process.env.IMPORT_RUNS ?? 3);
const PROF = process.env.IMPORT_PROF ? resolve(process.env.IMPORT_PROF) : undefined;
const base = process.env.IMPORT_HOME ? resolve(process.env.IMPORT_HOME) : mkdtempSync(join(tmpdir(), "chart-import-bench-"));
mkdirSync(base, { recursive: true });

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
/** The bench's chart (bench/run.mjs), with `notes` notes and events in proportion. */
const jsonl = (notes) => benchChart({ clients: 300, notes, events: Math.round((20_000 * notes) / 50_000) }).lines;

function run(cmd, args, env, cwd) {
  const t = process.hrtime.bigint();
  const r = spawnSync("/usr/bin/time", ["-f", "BENCH_MAXRSS %M %U %S", cmd, ...args], { env, cwd, encoding: "utf8", maxBuffer: 1 << 28 });
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (${r.status}): ${r.stderr}`);
  const m = /BENCH_MAXRSS (\d+) ([\d.]+) ([\d.]+)/.exec(r.stderr);
  return { ms, mb: m ? Number(m[1]) / 1024 : NaN, cpu: m ? Number(m[2]) + Number(m[3]) : NaN };
}

if (process.env.IMPORT_WRITE) {
  // IMPORT_WRITE=<folder>: only write the JSONL files there (import-<notes>.jsonl), time nothing.
  for (const notes of SIZES) writeFileSync(join(resolve(process.env.IMPORT_WRITE), `import-${notes}.jsonl`), `${jsonl(notes).join("\n")}\n`);
  if (!process.env.IMPORT_HOME) rmSync(base, { recursive: true, force: true }); // made above, unused here
  process.exit(0);
}
const node0 = [];
for (let i = 0; i < 5; i++) node0.push(run(process.execPath, ["-e", "0"], process.env, base).ms);
const rows = [];
// Each run's chart is kept until every run is done: on ext4 without a journal (as on the machine
// of issue 7), creating files soon after tens of thousands were deleted is slow (the inode
// allocator skips recently deleted inodes, checking them one by one: recently_deleted in a perf
// profile), and deleting one run's 70,000 files before the next made that run 4-10 s slower, a
// cost of the bench, not of an import (docs/decisions.md, "Where the time goes").
const homes = [];
for (const notes of SIZES) {
  const lines = jsonl(notes);
  const file = join(base, `import-${notes}.jsonl`);
  writeFileSync(file, `${lines.join("\n")}\n`);
  const ms = [];
  const mb = [];
  const cpu = [];
  for (let k = 0; k < RUNS; k++) {
    const home = join(base, `h-${notes}-${k}`);
    rmSync(home, { recursive: true, force: true });
    mkdirSync(join(home, "run"), { recursive: true, mode: 0o700 });
    writeFileSync(join(home, ".gitconfig"), "");
    const repo = join(home, "chart");
    const env = { PATH: process.env.PATH, HOME: home, XDG_CONFIG_HOME: join(home, ".config"), XDG_RUNTIME_DIR: join(home, "run"), GIT_CONFIG_GLOBAL: join(home, ".gitconfig"), GIT_CONFIG_NOSYSTEM: "1", NO_COLOR: "1", CHART_CLINICIAN: "Bench", CHART_REPO: repo };
    execFileSync(process.execPath, [BIN, "init", repo, "-q"], { env, cwd: home });
    const prof = PROF && k === RUNS - 1 ? ["--cpu-prof", `--cpu-prof-dir=${PROF}`] : [];
    const r = run(process.execPath, [...prof, BIN, "import", file], env, repo);
    ms.push(r.ms);
    mb.push(r.mb);
    cpu.push(r.cpu);
    process.stderr.write(`  ${notes} notes (${lines.length} records), run ${k + 1}: ${(r.ms / 1000).toFixed(1)} s, ${r.mb.toFixed(0)} MB, ${r.cpu.toFixed(1)} s CPU\n`);
    const n = execFileSync("git", ["ls-files"], { cwd: repo, env, maxBuffer: 1 << 28 }).toString().split("\n").filter(Boolean).length;
    if (k === 0) process.stderr.write(`  ${n} files in the commit\n`);
    homes.push(home);
  }
  rmSync(file);
  rows.push({ notes, records: lines.length, ms: median(ms), mb: median(mb), msPerRecord: median(ms) / lines.length, cpu: median(cpu) });
}
for (const home of homes) rmSync(home, { recursive: true, force: true });
console.log(`node -e 0: median ${median(node0).toFixed(0)} ms`);
for (const r of rows) console.log(`import ${r.notes} notes, ${r.records} records: median ${(r.ms / 1000).toFixed(1)} s (${(r.msPerRecord * 1000).toFixed(0)} µs a record), peak ${r.mb.toFixed(0)} MB, CPU (user + sys) ${r.cpu.toFixed(1)} s, ${RUNS} runs`);
if (!process.env.IMPORT_HOME) rmSync(base, { recursive: true, force: true });
