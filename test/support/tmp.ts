/**
 * Temporary folders for tests, removed when the test file ends (some hold plaintext: bundles,
 * editor buffers, exports). The run's global setup (tmp-guard.ts) fails the run if any is left.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll } from "vitest";

const made: string[] = [];

afterAll(() => {
  for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A fresh folder under the run's TMPDIR, removed after this test file. */
export function tempDir(prefix = "chart-test-"): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  made.push(d);
  return d;
}
