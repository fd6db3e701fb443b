#!/usr/bin/env node
// chart's benchmark: builds a large chart through `chart import`, then times the main commands
// against baselines measured in the same run (node -e 0, plain git add+commit, the stock age tool).
// Prints medians and ratios; writes .bench/results.json. Options (env):
//   BENCH_RUNS (default 15)  BENCH_NOTES (default 10000)  BENCH_CLIENTS (default 100)
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { randomBytes } from "node:crypto";

const ROOT = resolve(import.meta.dirname, "..");
const BIN = join(ROOT, "bin", "chart.js");
const RUNS = Number(process.env.BENCH_RUNS ?? 15);
const NOTES = Number(process.env.BENCH_NOTES ?? 10000);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 100);

const home = mkdtempSync(join(tmpdir(), "chart-bench-"));
const repo = join(home, "chart");
mkdirSync(join(home, "run"), { mode: 0o700 });
const env = {
  PATH: process.env.PATH,
  HOME: home,
  XDG_CONFIG_HOME: join(home, ".config"),
  XDG_RUNTIME_DIR: join(home, "run"),
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

function time(cmd, args, opts = {}) {
  const t = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { env, cwd: opts.cwd ?? repo, input: opts.input ?? "", encoding: "utf8", maxBuffer: 1 << 28 });
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (${r.status}): ${r.stderr}`);
  return { ms, stdout: r.stdout };
}

const chart = (args, opts) => time(process.execPath, [BIN, ...args], opts);
const results = {};
function measure(name, fn, runs = RUNS) {
  fn(); // warm the file cache
  const xs = [];
  for (let i = 0; i < runs; i++) xs.push(fn());
  results[name] = { median: +median(xs).toFixed(1), min: +Math.min(...xs).toFixed(1), runs };
  process.stderr.write(`  ${name}: median ${results[name].median} ms\n`);
}

process.stderr.write(`bench: ${home}\n`);
chart(["init", repo, "-q"], { cwd: home });
const client = chart(["client", "add", "--name", "Bench Client"]).stdout.trim();

// Baselines
measure("node -e 0", () => time(process.execPath, ["-e", "0"]).ms);
const gitDir = join(home, "plain-git");
mkdirSync(gitDir);
execFileSync("git", ["init", "-q", gitDir], { env });
let n = 0;
measure("git add + commit (plain)", () => {
  writeFileSync(join(gitDir, `f${n++}`), randomBytes(600));
  const a = time("git", ["add", "--all"], { cwd: gitDir }).ms;
  return a + time("git", ["-c", "user.name=b", "-c", "user.email=b@b", "commit", "-q", "-m", "x"], { cwd: gitDir }).ms;
});

// Single-record commands
measure("chart --version", () => chart(["--version"]).ms);
measure("chart note add -m", () => chart(["note", "add", client, "-m", "Bench note: slept well, mood steady."]).ms);
const notes = JSON.parse(chart(["note", "list", client, "--json"]).stdout);
const one = notes[0].id;
measure("chart note show", () => chart(["note", "show", one]).ms);

// Decrypting one record: stock age vs chart
const file = join(repo, "clients", client, "notes", `${one}.age`);
const identity = join(home, ".config", "chart", "identity");
measure("age -d (stock tool, one file)", () => time("age", ["-d", "-i", identity, file]).ms);

// A large chart through import
const hasImport = spawnSync(process.execPath, [BIN, "import", "--help"], { env }).status === 0;
if (hasImport && NOTES > 0) {
  const lines = [];
  const clientIds = [];
  const rid = () => [...randomBytes(26)].map((b) => "abcdefghijklmnopqrstuvwxyz234567"[b & 31]).join("");
  for (let c = 0; c < CLIENTS; c++) {
    const id = `cl_${rid()}`;
    clientIds.push(id);
    lines.push(JSON.stringify({ kind: "client", id, client: id, created: "2026-01-01T00:00:00Z", name: `Client ${c}`, status: "active", admitted: "2025-01-01" }));
  }
  const big = `cl_${rid()}`; // a client with 200 notes, for the share measurement
  lines.push(JSON.stringify({ kind: "client", id: big, client: big, created: "2026-01-01T00:00:00Z", name: "Share Client", status: "active", admitted: "2024-01-01", dob: "1980-05-05" }));
  for (let i = 0; i < 200; i++) {
    const date = `2025-${String(1 + (i % 12)).padStart(2, "0")}-${String(1 + (i % 28)).padStart(2, "0")}`;
    lines.push(JSON.stringify({ kind: "note", id: `nt_${rid()}`, client: big, created: "2026-01-01T00:00:00Z", type: "progress", template: "soap", date, status: "signed", body: `## Subjective\nSession ${i}: mood steady, sleep improving.<private>not for sharing ${i}</private>\n\n## Assessment\nProgressing.\n\n## Plan\nContinue weekly CBT.\n` }));
  }
  for (let i = 0; i < NOTES; i++) {
    const c = clientIds[i % CLIENTS];
    const day = String(1 + (i % 28)).padStart(2, "0");
    const month = String(1 + ((i >> 5) % 12)).padStart(2, "0");
    lines.push(JSON.stringify({ kind: "note", id: `nt_${rid()}`, client: c, created: "2026-01-01T00:00:00Z", type: "progress", template: "soap", date: `2025-${month}-${day}`, status: "signed", body: `## Subjective\nNote ${i}: reports steady mood.\n\n## Plan\nContinue weekly.\n` }));
  }
  const jsonl = join(home, "import.jsonl");
  writeFileSync(jsonl, `${lines.join("\n")}\n`);
  const t = chart(["import", jsonl]);
  results[`chart import (${CLIENTS + 1} clients, ${NOTES + 200} notes)`] = { median: +t.ms.toFixed(0), runs: 1 };
  process.stderr.write(`  import: ${t.ms.toFixed(0)} ms\n`);
  const consent = JSON.parse(chart(["consent", "add", big, "--to", "Dr Bench", "--purpose", "referral", "--share", "demographics,diagnoses,medications,notes", "--expires", "2099-01-01", "--signed", "2026-01-01", "--json"]).stdout).id;
  measure("chart share --dry-run (200 notes)", () => chart(["share", big, "--consent", consent, "--dry-run"]).ms, Math.min(RUNS, 7));
  let k = 0;
  measure("chart share pdf,fhir,json (200 notes)", () => chart(["share", big, "--consent", consent, "--out", join(home, `bundle${k++}`), "--format", "pdf,fhir,json", "-q"]).ms, Math.min(RUNS, 7));
  const one = clientIds[0];
  measure(`chart note list (${NOTES / CLIENTS} notes)`, () => chart(["note", "list", one]).ms);
  measure("chart client list", () => chart(["client", "list"]).ms);
  measure(`chart note add -m (${NOTES} notes in chart)`, () => chart(["note", "add", one, "-m", "After import."]).ms);
  const hasTimeline = spawnSync(process.execPath, [BIN, "timeline", "--help"], { env }).status === 0;
  if (hasTimeline) measure(`chart timeline (${NOTES / CLIENTS} notes)`, () => chart(["timeline", one]).ms);
}

const base = results["node -e 0"].median;
const gitBase = results["git add + commit (plain)"].median;
const rows = Object.entries(results).map(([k, v]) => [k, `${v.median} ms`, `${(v.median / base).toFixed(1)}x node`, `${(v.median / gitBase).toFixed(1)}x git`]);
const w = rows.reduce((a, r) => r.map((c, i) => Math.max(a[i] ?? 0, c.length)), []);
console.log(`\nchart benchmark (${RUNS} runs each, medians; ${new Date().toISOString().slice(0, 10)}, node ${process.version})`);
for (const r of rows) console.log(r.map((c, i) => c.padEnd(w[i])).join("  "));
mkdirSync(join(ROOT, ".bench"), { recursive: true });
writeFileSync(join(ROOT, ".bench", "results.json"), JSON.stringify({ node: process.version, runs: RUNS, results }, null, 2));
if (!process.env.BENCH_KEEP) rmSync(home, { recursive: true, force: true });
