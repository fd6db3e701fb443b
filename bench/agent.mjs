// The unlock agent's cost (docs/agent.md): a 600-note listing and single commands with a plain
// identity and with a passphrase-protected one through the agent, cold (no read cache) and warm.
// Run after npm run build: node bench/agent.mjs [NOTES]
import { execFileSync, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const ROOT = resolve(import.meta.dirname, "..");
const BIN = join(ROOT, "bin", "chart.js");
const NOTES = Number(process.argv[2] ?? 600);
const RUNS = 5;
const base = mkdtempSync(join(tmpdir(), "chart-bench-agent-"));
const rid = () => [...randomBytes(26)].map((b) => "abcdefghijklmnopqrstuvwxyz234567"[b & 31]).join("");

function sandbox(name, protect) {
  const home = join(base, name);
  mkdirSync(join(home, "run"), { recursive: true, mode: 0o700 });
  mkdirSync(join(home, "tmp"), { recursive: true, mode: 0o700 });
  const env = { PATH: process.env.PATH, HOME: home, XDG_CONFIG_HOME: join(home, ".config"), XDG_RUNTIME_DIR: join(home, "run"), TMPDIR: join(home, "tmp"), GIT_CONFIG_GLOBAL: "/dev/null", GIT_CONFIG_NOSYSTEM: "1", NO_COLOR: "1", CHART_CLINICIAN: "Dr Bench" };
  const repo = join(home, "chart");
  const run = (args, input = "") => {
    const t = process.hrtime.bigint();
    const r = spawnSync(process.execPath, [BIN, ...args], { cwd: existsRepo ? repo : home, env, input, encoding: "utf8" });
    if (r.status !== 0) throw new Error(`chart ${args.join(" ")}: ${r.stderr}`);
    return { ms: Number(process.hrtime.bigint() - t) / 1e6, out: r.stdout };
  };
  let existsRepo = false;
  const unlock = () => run(["unlock", "--passphrase-stdin"], "bench passphrase\n");
  run(["init", repo, ...(protect ? ["--passphrase-stdin"] : [])], "bench passphrase\n");
  existsRepo = true;
  let unlockMs;
  if (protect) unlockMs = unlock().ms;
  const id = `cl_${rid()}`;
  const lines = [JSON.stringify({ kind: "client", id, client: id, created: "2026-01-01T00:00:00Z", name: "Bench Client", status: "active", admitted: "2024-01-01" })];
  for (let i = 0; i < NOTES; i++) {
    lines.push(JSON.stringify({ kind: "note", id: `nt_${rid()}`, client: id, created: "2026-01-01T00:00:00Z", type: "progress", template: "soap", date: `2025-${String(1 + (i % 12)).padStart(2, "0")}-${String(1 + (i % 28)).padStart(2, "0")}`, status: "signed", body: `## Subjective\nNote ${i}.\n\n## Plan\nContinue.\n` }));
  }
  writeFileSync(join(home, "import.jsonl"), `${lines.join("\n")}\n`);
  run(["import", join(home, "import.jsonl")]);
  return { env, repo, run, unlock, unlockMs, id };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const times = (fn) => median(Array.from({ length: RUNS }, fn));

const rows = [];
try {
  for (const [name, protect] of [["plain", false], ["agent", true]]) {
    const sb = sandbox(name, protect);
    const cold = times(() => {
      rmSync(join(sb.repo, ".git", "chart", "cache"), { recursive: true, force: true });
      return sb.run(["note", "list", sb.id]).ms;
    });
    const warm = times(() => sb.run(["note", "list", sb.id]).ms);
    const show = times(() => sb.run(["client", "show", sb.id]).ms);
    const add = times(() => sb.run(["note", "add", sb.id, "-m", "bench"]).ms);
    rows.push({ identity: name, [`note list ${NOTES} cold ms`]: cold.toFixed(0), [`note list ${NOTES} warm ms`]: warm.toFixed(0), "client show ms": show.toFixed(0), "note add ms": add.toFixed(0), "unlock ms": sb.unlockMs?.toFixed(0) ?? "-" });
    if (protect) sb.run(["lock"]);
  }
  console.table(rows);
} finally {
  rmSync(base, { recursive: true, force: true });
}
void execFileSync;
