#!/usr/bin/env node
// Make the V8 code caches for the CLI bundle and the share's PDF worker, run by `npm run build`
// after rolldown. V8 caches only functions that have been compiled, so the bundle is first put
// through the everyday commands (a throwaway chart with an invented client, in a temporary folder
// removed at the end) and the worker through its warm-up document, then their compiled code is
// saved: dist/bundle/chart.cjs.v8-cache after every step, a share included;
// chart.cjs.reads.v8-cache from a fresh process that ran only the listings; and
// pdf-worker.cjs.v8-cache. Start-up with the caches: src/cli/boot.ts and
// src/export/cached-script.ts; why: docs/decisions.md, "Start-up", and docs/sharing.md, "Speed".
// It never fails the build: without a cache the code compiles from source as before.
import { chmodSync, mkdtempSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const dir = resolve(import.meta.dirname, "..", "dist", "bundle");
const { loadBundle, loadCached, cacheFile, BUNDLE } = createRequire(import.meta.url)(join(dir, "boot.cjs"));
const file = join(dir, BUNDLE);

// The everyday listings, made warm (their read caches filled) by the run below before the small
// "reads" cache is made from them in a fresh process (src/cli/boot.ts READS).
const readSteps = [
  ["note", "list", "Casey"],
  ["note", "list", "Casey", "--json"],
  ["timeline", "Casey"],
  ["client", "list"],
  ["client", "show", "Casey"],
  ["med", "list", "Casey"],
  ["dx", "list", "Casey"],
  ["search", "sleep"],
  ["status"],
];
// Quiet, but a write still completes (the CLI waits for stdout to drain before it ends).
const quiet = (_chunk, enc, cb) => {
  const done = typeof enc === "function" ? enc : cb;
  if (done) process.nextTick(done);
  return true;
};

if (process.argv[2] === "--reads") {
  // The child: a fresh V8, the bundle compiled from source, then only the listings run.
  const reads = loadBundle(file, "reads");
  if (!process.env.CODE_CACHE_VERBOSE) process.stdout.write = process.stderr.write = quiet;
  process.setMaxListeners(0);
  let code = 0;
  for (const args of readSteps) code ||= await reads.run(args);
  writeFileSync(cacheFile(file, "reads"), reads.script.createCachedData(), { mode: 0o644 });
  chmodSync(cacheFile(file, "reads"), 0o644);
  process.exit(code);
}

rmSync(cacheFile(file), { force: true });
rmSync(cacheFile(file, "reads"), { force: true });
const bundle = loadBundle(file);
// The share's PDF worker (pdf-worker.cjs, run in a thread through pdf-worker-boot.cjs): loaded here,
// outside any thread, so that it renders its warm-up document (every kind of block a share has);
// its compiled code is saved beside it at the end, as the CLI's is.
const workerFile = join(dir, "pdf-worker.cjs");
rmSync(cacheFile(workerFile), { force: true });
let pdfWorker;
let failed = "";
try {
  pdfWorker = loadCached(workerFile);
} catch (e) {
  failed = `PDF worker: ${e instanceof Error ? e.message : String(e)}`;
}

const home = mkdtempSync(join(tmpdir(), "chart-code-cache-"));
// Removed however this ends (a step that never settles ends the process without `finally`).
process.on("exit", () => rmSync(home, { recursive: true, force: true }));
const saved = { ...process.env };
const write = { out: process.stdout.write, err: process.stderr.write };
try {
  mkdirSync(join(home, "run"), { mode: 0o700 });
  writeFileSync(join(home, ".gitconfig"), "");
  Object.assign(process.env, {
    HOME: home,
    XDG_CONFIG_HOME: join(home, ".config"),
    XDG_CACHE_HOME: join(home, ".cache"),
    XDG_RUNTIME_DIR: join(home, "run"),
    GIT_CONFIG_GLOBAL: join(home, ".gitconfig"),
    GIT_CONFIG_NOSYSTEM: "1",
    CHART_REPO: join(home, "chart"),
    CHART_CLINICIAN: "Dr. Cache Trainer",
    NO_COLOR: "1",
  });
  delete process.env.CHART_IDENTITY;
  delete process.env.EDITOR;
  delete process.env.VISUAL;
  if (!process.env.CODE_CACHE_VERBOSE) process.stdout.write = process.stderr.write = quiet;
  const steps = [
    ["init", join(home, "chart")],
    ["client", "add", "--name", "Casey Example", "--dob", "1990-01-02"],
    ["note", "add", "Casey", "-m", "Session on sleep; plan reviewed.", "--sign"],
    ["note", "add", "Casey", "--template", "soap", "-m", "## Subjective\nReports better sleep."],
    ["med", "add", "Casey", "sertraline", "--dose", "50 mg", "--frequency", "daily", "-d", "2026-01-05"],
    ["dx", "add", "Casey", "F41.1", "--status", "active"],
    ...readSteps,
  ];
  process.setMaxListeners(0); // each run adds its own exit and signal handlers
  for (const args of steps) {
    const code = await bundle.run(args);
    if (code !== 0 && !failed) failed = `chart ${args.join(" ")} exited ${code}`;
  }
  const reads = spawnSync(process.execPath, [fileURLToPath(import.meta.url), "--reads"], { env: process.env, stdio: "ignore" });
  if (reads.status !== 0 && !failed) failed = `the listings' cache: exit ${reads.status ?? reads.signal}`;
  // A share (FHIR and JSON; a PDF is rendered in a thread of its own), through its consent.
  const before = process.stdout.write;
  let consent = "";
  process.stdout.write = (chunk, enc, cb) => {
    consent ||= /"id":\s*"(cs_[a-z0-9]+)"/.exec(String(chunk))?.[1] ?? "";
    return quiet(chunk, enc, cb);
  };
  await bundle.run(["consent", "add", "Casey", "--to", "Dr. Trainer", "--purpose", "referral", "--share", "demographics,diagnoses,medications,notes", "--expires", "2099-01-01", "--signed", "2026-01-01", "--json"]);
  process.stdout.write = before;
  const code = consent ? await bundle.run(["share", "Casey", "--consent", consent, "--out", join(home, "bundle"), "--format", "fhir,json", "--plaintext", "--yes"]) : -1;
  if (code !== 0 && !failed) failed = consent ? `chart share exited ${code}` : "consent add gave no id";
} catch (e) {
  failed ||= e instanceof Error ? e.message : String(e);
} finally {
  process.stdout.write = write.out;
  process.stderr.write = write.err;
  process.env = saved;
  rmSync(home, { recursive: true, force: true });
}
writeFileSync(cacheFile(file), bundle.script.createCachedData(), { mode: 0o644 });
chmodSync(cacheFile(file), 0o644); // run() set a umask of 077
if (pdfWorker) try {
  await pdfWorker.exports.ready;
  writeFileSync(cacheFile(workerFile), pdfWorker.script.createCachedData(), { mode: 0o644 });
  chmodSync(cacheFile(workerFile), 0o644);
} catch (e) {
  failed ||= `PDF worker: ${e instanceof Error ? e.message : String(e)}`;
}
if (failed) process.stderr.write(`code cache: made, but a training step failed (${failed})\n`);
process.exit(0); // the training chart's worker threads and handlers end with it
