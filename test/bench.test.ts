/**
 * The benchmark runs in CI at its small size, once per measure: it must finish and print its
 * table; timings never fail the build (they depend on the machine and its load).
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "..");

describe("npm run bench (small)", () => {
  it("builds the chart through import, measures every command next to its baselines, and reports", () => {
    const r = spawnSync(process.execPath, [join(ROOT, "bench", "run.mjs")], { env: { ...process.env, BENCH_SIZE: "small", BENCH_RUNS: "1" }, encoding: "utf8", timeout: 600_000 });
    expect(r.status, r.stderr).toBe(0);
    for (const m of ["node -e 0", "git add + commit (plain", "chart import", "chart note add -m", "chart search (warm)", "chart fsck --decrypt"]) expect(r.stdout).toContain(m);
    const file = join(ROOT, ".bench", "results-small.json");
    expect(existsSync(file)).toBe(true);
    const res = JSON.parse(readFileSync(file, "utf8")) as { results: Record<string, { median: number }> };
    expect(Object.values(res.results).every((v) => v.median > 0)).toBe(true);
  }, 600_000);
});
