/** The README's "Two devices and a backup" walkthrough, run as written (examples/two-devices.sh). */
import { tempDir } from "../support/tmp.js";
import { spawnSync } from "node:child_process";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { BIN, ROOT } from "../support/e2e.js";

const work = tempDir("chart-two-devices-");
afterAll(() => rmSync(work, { recursive: true, force: true }));

it("examples/two-devices.sh runs: both devices' work kept, fsck passes, commits generic", () => {
  const r = spawnSync("bash", [join(ROOT, "examples", "two-devices.sh"), join(work, "w")], {
    encoding: "utf8",
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", LANG: "C.UTF-8", NO_COLOR: "1", TMPDIR: work, GIT_CONFIG_NOSYSTEM: "1", CHART_CLINICIAN: "Dr Example", CHART: `${process.execPath} ${BIN}` },
    timeout: 120_000,
  });
  expect(r.status, r.stderr).toBe(0);
  expect(r.stdout).toMatch(/^email +robin@example\.org$/m);
  expect(r.stdout).toMatch(/^phone +555 0199$/m);
  expect(r.stdout).toContain("Phone call, on the desktop.");
  expect(r.stdout).toContain("Session two, on the laptop.");
  expect(r.stdout.trim().split("\n").at(-1)).toBe("chart <chart@localhost>");
});
