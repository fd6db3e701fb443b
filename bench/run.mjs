#!/usr/bin/env node
// chart's benchmark: builds a chart through `chart import`, then times the main commands next to
// baselines measured in the same run (node -e 0; a plain `git add` + `git commit` of one file in
// a repository with as many files, git's default settings). Prints medians, ratios and the
// issue's targets; writes .bench/results.json. It never fails on timing.
//
//   BENCH_SIZE=small (default: 20 clients, 1,000 notes, 400 events) | large (300 clients,
//   50,000 notes, 20,000 medication and diagnosis events)
//   BENCH_RUNS (default 7 small, 5 large)   BENCH_COLD_RUNS (cold rebuild, fsck; default 3 at most)
//   BENCH_KEEP=1 keeps the temporary folder
//   BENCH_HOME=<folder> builds the chart there and keeps it; a later run with the same folder
//   reuses it (the import is then not measured again). Delete the folder when done.
//   BENCH_ONLY=<comma-separated words>: time only the measures whose name holds one of them.
import { execFileSync, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir, totalmem } from "node:os";
import { benchChart } from "./chart-data.mjs";
import { join, resolve } from "node:path";

const ROOT = resolve(import.meta.dirname, "..");
const BIN = process.env.BENCH_BIN ? resolve(process.env.BENCH_BIN) : join(ROOT, "bin", "chart.js"); // BENCH_BIN: another build to time
const SIZE = process.env.BENCH_SIZE === "large" ? "large" : "small";
const SIZES = { small: { clients: 20, notes: 1_000, events: 400 }, large: { clients: 300, notes: 50_000, events: 20_000 } };
const { clients: CLIENTS, notes: NOTES, events: EVENTS } = SIZES[SIZE];
const RUNS = Number(process.env.BENCH_RUNS ?? (SIZE === "large" ? 5 : 7));
const COLD_RUNS = Number(process.env.BENCH_COLD_RUNS ?? Math.min(RUNS, 3)); // cold rebuild and fsck
const TIME = "/usr/bin/time";
const hasTime = spawnSync(TIME, ["-f", "%M", "true"]).status === 0;

const home = process.env.BENCH_HOME ? resolve(process.env.BENCH_HOME) : mkdtempSync(join(tmpdir(), "chart-bench-"));
const META = join(home, "bench-meta.json");
const reuse = existsSync(META);
const repo = join(home, "chart");
if (!reuse) {
  mkdirSync(join(home, "run"), { recursive: true, mode: 0o700 });
  writeFileSync(join(home, ".gitconfig"), "");
}
const ONLY = process.env.BENCH_ONLY?.split(",").filter(Boolean);
const wanted = (name) => !ONLY || ONLY.some((w) => name.includes(w));
const env = {
  PATH: process.env.PATH,
  HOME: home,
  XDG_CONFIG_HOME: join(home, ".config"),
  XDG_RUNTIME_DIR: join(home, "run"),
  GIT_CONFIG_GLOBAL: join(home, ".gitconfig"),
  GIT_CONFIG_NOSYSTEM: "1",
  NO_COLOR: "1",
  CHART_CLINICIAN: "Bench",
  CHART_REPO: repo,
};

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** Run a command; wall time in ms and, where /usr/bin/time exists, peak memory in MB. */
function time(cmd, args, opts = {}) {
  const wrapped = opts.mem && hasTime ? [TIME, ["-f", "BENCH_MAXRSS %M", cmd, ...args]] : [cmd, args];
  const t = process.hrtime.bigint();
  const r = spawnSync(wrapped[0], wrapped[1], { env: { ...env, ...opts.env }, cwd: opts.cwd ?? repo, input: opts.input ?? "", encoding: "utf8", maxBuffer: 1 << 28 });
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  if (r.status !== 0 && !opts.anyExit) throw new Error(`${cmd} ${args.join(" ")} failed (${r.status}): ${r.stderr}`);
  const m = /BENCH_MAXRSS (\d+)/.exec(r.stderr ?? "");
  return { ms, stdout: r.stdout, mb: m ? Number(m[1]) / 1024 : undefined };
}

const chart = (args, opts) => time(process.execPath, [BIN, ...args], opts);
const results = {};
function record(name, xs, target, extra = {}) {
  results[name] = { median: +median(xs).toFixed(1), min: +Math.min(...xs).toFixed(1), runs: xs.length, target, ...extra };
  process.stderr.write(`  ${name}: median ${results[name].median} ms${extra.peakMB ? `, peak ${extra.peakMB} MB` : ""}\n`);
}
function measure(name, fn, target, runs = RUNS, always = false) {
  if (!always && !wanted(name)) return;
  fn(); // warm the file cache
  const xs = [];
  for (let i = 0; i < runs; i++) xs.push(fn());
  record(name, xs, target);
}
const dropCache = () => rmSync(join(repo, ".git", "chart", "cache"), { recursive: true, force: true });

process.stderr.write(`bench (${SIZE}: ${CLIENTS} clients, ${NOTES} notes, ${EVENTS} events): ${home}\n`);
let clientIds = [];
let big;
let files;
if (reuse) ({ clientIds, big, files } = JSON.parse(readFileSync(META, "utf8")));
else {
chart(["init", repo, "-q"], { cwd: home });

// The chart, through import.
let lines;
({ lines, clientIds, big } = benchChart({ clients: CLIENTS, notes: NOTES, events: EVENTS, shareClient: true }));
const jsonl = join(home, "import.jsonl");
writeFileSync(jsonl, `${lines.join("\n")}\n`);
const records = lines.length;
// BENCH_IMPORT_PROF=<folder>: a CPU profile of the import (node --cpu-prof) written there.
const prof = process.env.BENCH_IMPORT_PROF;
const imp = time(process.execPath, [...(prof ? ["--cpu-prof", `--cpu-prof-dir=${resolve(prof)}`] : []), BIN, "import", jsonl], { mem: true });
record(`chart import (${records} records)`, [imp.ms], SIZE === "large" ? "< 30 s, < 400 MB" : undefined, { peakMB: imp.mb && +imp.mb.toFixed(0) });
if (!process.env.BENCH_HOME) rmSync(jsonl);
files = Number(execFileSync("git", ["ls-files"], { cwd: repo, env, maxBuffer: 1 << 28 }).toString().split("\n").filter(Boolean).length);
writeFileSync(META, JSON.stringify({ size: SIZE, clientIds, big, files }));
}

// For a while after tens of thousands of files are written, the kernel writes them back (the
// large chart is about 300 MB); a command timed meanwhile competes with that. Each measure starts
// with nothing left to write back.
const settle = () => {
  try {
    execFileSync("sync");
  } catch {
    // no sync(1) here: measured as things are
  }
};
settle();

// Baselines, in this run: node -e 0; plain git add + commit of one file in a repository with
// as many files, git's default settings.
measure("node -e 0", () => time(process.execPath, ["-e", "0"]).ms, undefined, RUNS, true);
const gitDir = join(home, "plain-git");
if (!existsSync(join(gitDir, ".git"))) {
mkdirSync(join(gitDir, "d"), { recursive: true });
execFileSync("git", ["init", "-q", gitDir], { env });
for (let i = 0; i < files; i++) {
  if (i % 1000 === 0) mkdirSync(join(gitDir, "d", String(i / 1000)), { recursive: true });
  writeFileSync(join(gitDir, "d", String(Math.floor(i / 1000)), `f${i}`), randomBytes(64));
}
execFileSync("git", ["add", "--all"], { cwd: gitDir, env });
execFileSync("git", ["-c", "user.name=b", "-c", "user.email=b@b", "commit", "-q", "-m", "x"], { cwd: gitDir, env });
settle();
}
let n = Date.now();
measure(`git add + commit (plain, ${files} files)`, () => {
  writeFileSync(join(gitDir, `new${n++}`), randomBytes(600));
  const a = time("git", ["add", "--all"], { cwd: gitDir }).ms;
  return a + time("git", ["-c", "user.name=b", "-c", "user.email=b@b", "commit", "-q", "-m", "x"], { cwd: gitDir }).ms;
}, undefined, RUNS, true);
const node0 = results["node -e 0"].median;
const git0 = results[`git add + commit (plain, ${files} files)`].median;

const one = clientIds[0];
// Cold: the whole chart's cache rebuilt by one command that reads everything.
if (wanted("cold cache rebuild")) {
  const xs = [];
  for (let i = 0; i < COLD_RUNS; i++) {
    dropCache();
    xs.push(chart(["search", "zzzz"]).ms);
  }
  record("cold cache rebuild (chart search, empty cache)", xs, SIZE === "large" ? "< 15 s" : undefined);
}
measure("chart note add -m", () => chart(["note", "add", one, "-m", "Bench note: slept well, mood steady."]).ms, `< 1.5x (node -e 0 + git) = ${(1.5 * (node0 + git0)).toFixed(0)} ms`);
measure("chart search (warm)", () => chart(["search", "panic", "sleep"]).ms, "< 300 ms");
measure(`chart note list (${Math.round(NOTES / CLIENTS)} notes, warm)`, () => chart(["note", "list", one]).ms, `< 3x node = ${(3 * node0).toFixed(0)} ms`);
measure(`chart timeline (warm)`, () => chart(["timeline", one]).ms, `< 3x node = ${(3 * node0).toFixed(0)} ms`);
measure("chart client list (warm)", () => chart(["client", "list"]).ms, `< 3x node = ${(3 * node0).toFixed(0)} ms`);
measure("chart note list (one client, empty cache)", () => {
  dropCache();
  return chart(["note", "list", one]).ms;
}, "< 500 ms");
measure("chart timeline (one client, empty cache)", () => {
  dropCache();
  return chart(["timeline", one]).ms;
}, "< 500 ms");
if (wanted("chart share")) {
const consent = JSON.parse(chart(["consent", "add", big, "--to", "Dr Bench", "--purpose", "referral", "--share", "demographics,diagnoses,medications,notes", "--expires", "2099-01-01", "--signed", "2026-01-01", "--json"]).stdout).id;
let k = 0;
const out = () => {
  const dir = join(home, `bundle${k++}`);
  rmSync(dir, { recursive: true, force: true }); // a reused BENCH_HOME holds an earlier run's bundles
  return dir;
};
measure("chart share pdf,fhir,json (200 notes, warm)", () => chart(["share", big, "--consent", consent, "--out", out(), "--format", "pdf,fhir,json", "--plaintext", "-q"]).ms, "< 800 ms", Math.min(RUNS, 5));
}
if (wanted("fsck")) {
  const xs = [];
  let peak = 0;
  for (let i = 0; i < COLD_RUNS; i++) {
    const r = chart(["fsck", "--decrypt", "-q"], { mem: true, anyExit: true });
    xs.push(r.ms);
    peak = Math.max(peak, r.mb ?? 0);
  }
  record("chart fsck --decrypt", xs, SIZE === "large" ? "< 20 s, < 250 MB" : undefined, { peakMB: +peak.toFixed(0) || undefined });
}

const cpu = cpus()[0]?.model ?? "unknown CPU";
const machine = `${cpus().length} × ${cpu.trim()}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, ${process.platform}, node ${process.version}, git ${execFileSync("git", ["--version"]).toString().trim().replace("git version ", "")}`;
const rows = Object.entries(results).map(([name, v]) => [name, `${v.median} ms`, `${(v.median / node0).toFixed(1)}x node`, v.peakMB ? `${v.peakMB} MB` : "", v.target ?? ""]);
const header = ["measure", "median", "vs node -e 0", "peak", "target (large)"];
const w = [header, ...rows].reduce((a, r) => r.map((c, i) => Math.max(a[i] ?? 0, c.length)), []);
const addRatio = (results["chart note add -m"]?.median ?? NaN) / (node0 + git0);
console.log(`\nchart benchmark, ${SIZE}: ${CLIENTS} clients, ${NOTES + 200} notes, ${EVENTS} events, ${files} files (${RUNS} runs, medians; ${new Date().toISOString().slice(0, 10)})`);
console.log(`machine: ${machine}`);
for (const r of [header, ...rows]) console.log(r.map((c, i) => c.padEnd(w[i])).join("  "));
console.log(`note add -m / (node -e 0 + git add+commit): ${addRatio.toFixed(2)}x (target 1.5x)`);
mkdirSync(join(ROOT, ".bench"), { recursive: true });
writeFileSync(join(ROOT, ".bench", `results-${SIZE}.json`), JSON.stringify({ size: SIZE, machine, runs: RUNS, files, results, noteAddRatio: +addRatio.toFixed(2) }, null, 2));
if (!process.env.BENCH_KEEP && !process.env.BENCH_HOME) rmSync(home, { recursive: true, force: true });
