/**
 * Temporary folders for tests, removed when the test file ends (some hold plaintext: bundles,
 * editor buffers, exports). The run's global setup (tmp-guard.ts) fails the run if any is left.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { basename } from "node:path";
import { afterAll, expect } from "vitest";

const made: string[] = [];

afterAll(() => {
  for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A fresh folder under the run's TMPDIR, removed after this test file. */
export function tempDir(prefix = "chart-test-"): string {
  // The test file's name in the folder's, so the run's check can say who left a folder behind.
  let file = "";
  try {
    file = basename(expect.getState().testPath ?? "").replace(/\.test\.ts$/, "");
  } catch {
    file = "";
  }
  const d = mkdtempSync(join(tmpdir(), `${prefix}${file ? `${file}-` : ""}`));
  made.push(d);
  return d;
}
