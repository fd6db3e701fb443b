/**
 * Every script in examples/ runs here against a chart the test builds (demo.sh runs in CI as
 * `npm run demo`): users copy them, so they must work as written.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { addClient, BIN, ROOT, sandbox, type Sandbox } from "../support/e2e.js";
import { tempDir } from "../support/tmp.js";

let sb: Sandbox;
let cid: string;
let consent: string;
let binDir: string;

/** Run an example with `chart` on PATH as the built binary, in the sandbox's environment. */
function example(name: string, args: string[], env: Record<string, string> = {}) {
  const r = spawnSync("bash", [join(ROOT, "examples", name), ...args], {
    cwd: sb.repo,
    env: { ...sb.env, PATH: `${binDir}:${sb.env.PATH}`, CHART_REPO: sb.repo, ...env },
    encoding: "utf8",
    timeout: 120_000,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: `${r.stderr}${r.error ? String(r.error) : ""}` };
}

beforeAll(() => {
  sb = sandbox();
  binDir = tempDir("chart-bin-");
  writeFileSync(join(binDir, "chart"), `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`);
  chmodSync(join(binDir, "chart"), 0o755);
  cid = addClient(sb, "Example Person", ["--dob", "1990-01-01"]);
  sb.ok(["note", "add", cid, "-m", "Session went well.", "--sign"]);
  consent = sb.ok(["consent", "add", cid, "--to", "Dr Psych", "--purpose", "continuity of care", "--share", "demographics,notes", "--expires", "2099-01-01", "--signed", "today"]);
});

describe("examples/", () => {
  it("every script is run by a test (demo.sh by npm run demo in CI)", () => {
    const tests = readdirSync(join(ROOT, "test", "e2e")).map((f) => readFileSync(join(ROOT, "test", "e2e", f), "utf8")).join("\n");
    for (const f of readdirSync(join(ROOT, "examples"))) {
      expect(f === "demo.sh" || tests.includes(`"${f}"`), `examples/${f} is not run in CI`).toBe(true);
    }
  });

  it("referral.sh writes the bundle and logs the disclosure", () => {
    const out = join(tempDir("chart-referral-"), "bundle");
    const r = example("referral.sh", [cid, consent, out]);
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(join(out, "manifest.json"))).toBe(true);
    expect(sb.ok(["disclosures", cid, "--json"])).toContain(consent);
  });

  it("backup.sh pushes to a bare repository holding only encrypted files", () => {
    const remote = join(tempDir("chart-backup-"), "practice.git");
    const r = example("backup.sh", [remote]);
    expect(r.code, r.stderr).toBe(0);
    const files = spawnSync("git", ["--git-dir", remote, "ls-tree", "-r", "--name-only", "main"], { encoding: "utf8" }).stdout.split("\n").filter(Boolean);
    expect(files.some((f) => f.startsWith("clients/"))).toBe(true);
    for (const f of files.filter((f) => f.startsWith("clients/"))) expect(f.endsWith(".age")).toBe(true);
  });
});
