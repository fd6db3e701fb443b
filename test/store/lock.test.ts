import { tempDir } from "../support/tmp.js";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ChartError } from "../../src/domain/errors.js";
import { withLock } from "../../src/store/lock.js";
import { ROOT } from "../support/e2e.js";

const tmp = () => tempDir("chart-lock-");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("writer lock", () => {
  it("serialises writers in one process: critical sections never overlap", async () => {
    const dir = tmp();
    let active = 0;
    let maxActive = 0;
    const order: number[] = [];
    await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        withLock(dir, 10_000, async () => {
          active += 1;
          maxActive = Math.max(maxActive, active);
          await sleep(15);
          order.push(i);
          active -= 1;
        }),
      ),
    );
    expect(maxActive).toBe(1);
    expect(order.sort()).toEqual([0, 1, 2, 3, 4, 5]);
    expect(existsSync(join(dir, "chart.lock"))).toBe(false);
  });

  it("two writer processes doing read-modify-write lose nothing", async () => {
    const dir = tmp();
    // The lock module alone, bundled for two plain node processes (the shipped build is one bundle).
    const lockJs = join(dir, "lock.mjs");
    const { build } = await import("rolldown");
    await build({ input: join(ROOT, "src", "store", "lock.ts"), platform: "node", logLevel: "silent", output: { file: lockJs, format: "esm" } });
    const counter = join(dir, "counter");
    writeFileSync(counter, "0");
    const script = `
      const { withLock } = await import(${JSON.stringify(lockJs)});
      const fs = await import("node:fs/promises");
      for (let i = 0; i < 50; i++) {
        await withLock(process.argv[1], 20000, async () => {
          const n = Number(await fs.readFile(process.argv[2], "utf8"));
          await new Promise((r) => setTimeout(r, 1));
          await fs.writeFile(process.argv[2], String(n + 1));
        });
      }`;
    const run = () =>
      new Promise<number>((resolve) => {
        const p = spawn(process.execPath, ["--input-type=module", "-e", script, dir, counter], { stdio: "inherit" });
        p.on("exit", (c) => resolve(c ?? -1));
      });
    expect(await Promise.all([run(), run()])).toEqual([0, 0]);
    expect(readFileSync(counter, "utf8")).toBe("100");
  });

  it("a lock left by a dead process is taken over", async () => {
    const dir = tmp();
    const dead = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" });
    writeFileSync(join(dir, "chart.lock"), `${dead.stdout}\n`);
    expect(await withLock(dir, 1000, () => Promise.resolve("ran"))).toBe("ran");
    expect(existsSync(join(dir, "chart.lock"))).toBe(false);
  });

  it("a lock held by a live process makes the writer wait, then fail with exit 5", async () => {
    const dir = tmp();
    writeFileSync(join(dir, "chart.lock"), `${process.pid}\n`);
    const t0 = Date.now();
    const e = await withLock(dir, 300, () => Promise.resolve("ran")).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ChartError);
    expect((e as ChartError).exit).toBe(5);
    expect((e as ChartError).code).toBe("E_LOCKED");
    expect((e as ChartError).hint).toContain("chart.lock");
    expect(Date.now() - t0).toBeGreaterThanOrEqual(300);
    expect(existsSync(join(dir, "chart.lock"))).toBe(true); // not ours to remove
  });

  it("the lock is released when the work throws", async () => {
    const dir = tmp();
    await expect(withLock(dir, 1000, async () => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    expect(existsSync(join(dir, "chart.lock"))).toBe(false);
  });
});

describe("writer lock, hardened", () => {
  it("a lock whose pid now belongs to another process (pid reuse) is taken over", async () => {
    const dir = tempDir("chart-lock-");
    // Our own pid is alive, but with a start time that is not ours: the writer is gone.
    writeFileSync(join(dir, "chart.lock"), `${process.pid} 1 deadbeefdeadbeef\n`);
    let info: { tookOverStale: boolean } | undefined;
    await withLock(dir, 2_000, (i) => {
      info = i;
      return Promise.resolve();
    });
    expect(info?.tookOverStale).toBe(process.platform === "linux");
  });

  it("the lock file is never empty: it appears whole (written aside, then linked)", async () => {
    const dir = tempDir("chart-lock-");
    // eslint-disable-next-line @typescript-eslint/require-await -- checks the lock file while the lock is held
    await withLock(dir, 2_000, async () => {
      const text = readFileSync(join(dir, "chart.lock"), "utf8");
      expect(text).toMatch(new RegExp(`^${process.pid} (\\d+|-) [0-9a-f]{16}\\n$`));
    });
    expect(existsSync(join(dir, "chart.lock"))).toBe(false);
  });
});
