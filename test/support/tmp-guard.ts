/**
 * Global setup: every test run gets its own empty temporary folder (TMPDIR, inherited by the
 * test workers and every chart or git process they start). At the end the folder must be
 * empty again: a test that leaves something behind (a chart, a bundle, an editor buffer: some
 * hold plaintext) fails the run, named by what it left. The folder is removed either way.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export default function setup(): () => void {
  const base = join(tmpdir(), "chart-tests");
  mkdirSync(base, { recursive: true, mode: 0o700 });
  const dir = mkdtempSync(join(base, "run-"));
  process.env.TMPDIR = dir;
  return () => {
    const left = readdirSync(dir);
    rmSync(dir, { recursive: true, force: true });
    if (left.length > 0) {
      // A throw here is only logged by vitest; the exit code is what CI reads.
      process.stderr.write(`\ntemp check: tests left ${left.length} temporary item(s) behind: ${left.slice(0, 20).join(", ")}\n`);
      process.exitCode = 1;
    }
  };
}
