import { tempDir } from "../support/tmp.js";
import { spawn } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { writeFileAtomic } from "../../src/store/atomic.js";

const tmp = () => tempDir("chart-atomic-");

describe("writeFileAtomic", () => {
  it("creates folders, writes the bytes with mode 0600, leaves no temp file", async () => {
    const dir = tmp();
    const p = join(dir, "a", "b", "f.age");
    await writeFileAtomic(p, "hello");
    expect(readFileSync(p, "utf8")).toBe("hello");
    expect(statSync(p).mode & 0o777).toBe(0o600);
    expect(readdirSync(join(dir, "a", "b"))).toEqual(["f.age"]);
    await writeFileAtomic(p, new Uint8Array([1, 2, 3]));
    expect([...readFileSync(p)]).toEqual([1, 2, 3]);
    expect(readdirSync(join(dir, "a", "b"))).toEqual(["f.age"]);
  });

  it("on failure, the old file stays and the temp file is removed", async () => {
    const dir = tmp();
    const target = join(dir, "target");
    mkdirSync(target); // rename onto a non-empty folder fails
    writeFileSync(join(target, "keep"), "x");
    await expect(writeFileAtomic(target, "new")).rejects.toThrow();
    expect(readdirSync(dir)).toEqual(["target"]);
    expect(readFileSync(join(target, "keep"), "utf8")).toBe("x");
  });

  it("a reader in another process only ever sees the old or the new content, never a mix", async () => {
    const dir = tmp();
    const p = join(dir, "f");
    const size = 1 << 20;
    const versions = ["A", "B", "C"].map((c) => c.repeat(size));
    await writeFileAtomic(p, versions[0] as string);
    const reader = spawn(
      process.execPath,
      [
        "-e",
        `const fs = require("fs"); const ok = new Set(["A","B","C"]); let bad = 0, n = 0;
         const end = Date.now() + 1500;
         while (Date.now() < end) { const t = fs.readFileSync(process.argv[1], "latin1"); n++;
           if (t.length !== ${size} || !ok.has(t[0]) || t !== t[0].repeat(${size})) bad++; }
         process.stdout.write(JSON.stringify({ n, bad }));`,
        p,
      ],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    let out = "";
    reader.stdout.on("data", (d) => (out += String(d)));
    const done = new Promise<void>((r) => reader.on("exit", () => r()));
    let writes = 0;
    const stop = Date.now() + 1300;
    while (Date.now() < stop) {
      await writeFileAtomic(p, versions[writes % 3] as string);
      writes += 1;
    }
    await done;
    const { n, bad } = JSON.parse(out) as { n: number; bad: number };
    expect(writes).toBeGreaterThan(5);
    expect(n).toBeGreaterThan(5);
    expect(bad).toBe(0);
    expect(readdirSync(dir)).toEqual(["f"]);
  });
});
