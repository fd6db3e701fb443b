/**
 * Start-up: `chart note add CLIENT -m ...` must not load pdfkit or the prompts library. A loader
 * hook (--import test/support/load-log.mjs) records every module the real binary loads.
 * Also prints the median wall time next to `node -e 0` and a plain `git commit`.
 */
import { tempDir } from "../support/tmp.js";
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { addClient, BIN, sandbox, type Sandbox } from "../support/e2e.js";

const HOOK = new URL("../support/load-log.mjs", import.meta.url).pathname;
const HEAVY = [/node_modules\/pdfkit\//, /node_modules\/@inquirer\//, /node_modules\/fontkit\//, /node_modules\/inquirer\//, /^require:(pdfkit|@inquirer\/prompts|fontkit)\b/];

let sb: Sandbox;
let cid: string;

beforeAll(() => {
  sb = sandbox();
  cid = addClient(sb, "Stella Startup");
});

function loaded(args: string[]): string[] {
  const log = join(tempDir("chart-load-"), "modules.log");
  const r = spawnSync(process.execPath, ["--import", HOOK, BIN, ...args], { cwd: sb.repo, env: { ...sb.env, CHART_LOAD_LOG: log }, encoding: "utf8", input: "" });
  expect(r.status, r.stderr).toBe(0);
  expect(existsSync(log)).toBe(true);
  return readFileSync(log, "utf8").trim().split("\n");
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
function timeIt(f: () => void, n: number): number {
  const ts: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = process.hrtime.bigint();
    f();
    ts.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  return median(ts);
}

describe("start-up", () => {
  it("the hook sees what it should (it would notice pdfkit)", () => {
    const mods = loaded(["note", "add", cid, "-m", "hook check"]);
    // The CLI is one CommonJS bundle compiled by the boot module (src/cli/boot.ts), which
    // bin/chart.js requires and the hook sees; what the bundle imports at run time (pdfkit, the prompts) goes through the hook.
    expect(mods.some((m) => /^require:\.\.\/dist\/bundle\/boot\.cjs from .*\/bin\/chart\.js$/.test(m))).toBe(true);
    const probe = spawnSync(process.execPath, ["--import", HOOK, "--input-type=module", "-e", 'await import("pdfkit")'], { cwd: join(BIN, "..", ".."), env: { ...process.env, CHART_LOAD_LOG: join(sb.home, "probe.log") } });
    expect(probe.status).toBe(0);
    expect(HEAVY.some((h) => readFileSync(join(sb.home, "probe.log"), "utf8").match(h))).toBe(true);
    // The bundle is CommonJS and require()s pdfkit: the hook sees that too.
    const cjs = spawnSync(process.execPath, ["--import", HOOK, "-e", 'require("pdfkit")'], { cwd: join(BIN, "..", ".."), env: { ...process.env, CHART_LOAD_LOG: join(sb.home, "probe-cjs.log") } });
    expect(cjs.status).toBe(0);
    const cjsLog = readFileSync(join(sb.home, "probe-cjs.log"), "utf8").split("\n");
    expect(cjsLog.some((l) => HEAVY.some((h) => h.test(l)))).toBe(true);
  });

  for (const args of [["note", "add", "CID", "-m", "lean start"], ["note", "list", "CID"], ["client", "list"]] as const) {
    it(`\`chart ${args.join(" ")}\` loads neither pdfkit nor the prompts library`, () => {
      const mods = loaded(args.map((a) => (a === "CID" ? cid : a)));
      const heavy = mods.filter((m) => HEAVY.some((h) => h.test(m)));
      expect(heavy).toEqual([]);
    });
  }

  it("a warm command starts without Node's ES module loader (bin/chart.js and the boot file are CommonJS)", () => {
    const dir = tempDir("chart-esm-");
    const probe = join(dir, "modules.cjs");
    const out = join(dir, "modules.txt");
    writeFileSync(probe, `process.on("exit", () => require("fs").writeFileSync(${JSON.stringify(out)}, process.moduleLoadList.join("\\n")));`);
    const r = spawnSync(process.execPath, ["--require", probe, BIN, "client", "list"], { cwd: sb.repo, env: sb.env, encoding: "utf8", input: "" });
    expect(r.status, r.stderr).toBe(0);
    const mods = readFileSync(out, "utf8").split("\n");
    expect(mods).toContain("NativeModule vm"); // the probe works: the boot file compiles the bundle with vm
    // (node -e 0 loads esm/utils, assert and loader too; an ES module entry adds these.)
    expect(mods.filter((m) => /internal\/modules\/esm\/(module_job|translators|resolve|load)$/.test(m))).toEqual([]);
  });

  it("the bundle starts with the code cache made at build time; without it, or with a cache V8 refuses, it still runs", async () => {
    const { cacheFile, BUNDLE } = await import("../../src/cli/boot.js");
    const boot = join(BIN, "..", "..", "dist", "bundle", "boot.cjs");
    const bundleFile = join(BIN, "..", "..", "dist", "bundle", BUNDLE);
    // Each in a process of its own: V8 keeps compiled scripts for the process's life.
    const state = (file: string): string => {
      const r = spawnSync(process.execPath, ["-e", `const { loadBundle } = require(${JSON.stringify(boot)}); const b = loadBundle(${JSON.stringify(file)}); console.log(b.cache, typeof b.run);`], { encoding: "utf8" });
      expect(r.status, r.stderr).toBe(0);
      return r.stdout.trim();
    };
    expect(existsSync(cacheFile(bundleFile))).toBe(true);
    // A function restored from the cache cannot run import() (Node 20 drops its loader): the
    // bundle must hold none (rolldown.config.mjs, dynamicImportInCjs: false).
    expect(readFileSync(bundleFile, "utf8")).not.toMatch(/\bimport\s*\(/);
    // ASCII only (rolldown.config.mjs, charset): one non-ASCII character and V8 holds the whole
    // bundle as a two-byte string, read more slowly on every start.
    for (const f of [bundleFile, boot]) expect(readFileSync(f).every((b) => b < 0x80), f).toBe(true);
    expect(state(bundleFile)).toBe("used function");
    // The listings' smaller cache, of the same code, is used too; a copy without it compiles.
    const { cacheKindFor } = await import("../../src/cli/boot.js");
    expect(existsSync(cacheFile(bundleFile, "reads"))).toBe(true);
    expect(readFileSync(cacheFile(bundleFile, "reads")).length).toBeLessThan(readFileSync(cacheFile(bundleFile)).length * 0.8);
    const stateOf = (file: string, argv: string[]): string => {
      const r = spawnSync(process.execPath, ["-e", `const { loadBundle, cacheKindFor } = require(${JSON.stringify(boot)}); const b = loadBundle(${JSON.stringify(file)}, cacheKindFor(${JSON.stringify(argv)})); console.log(b.cache, typeof b.run);`], { encoding: "utf8" });
      expect(r.status, r.stderr).toBe(0);
      return r.stdout.trim();
    };
    expect(stateOf(bundleFile, ["client", "list"])).toBe("used function");
    expect(cacheKindFor(["client", "list"])).toBe("reads");
    expect(cacheKindFor(["--repo", "client", "note", "list", "X"])).toBe("reads");
    expect(cacheKindFor(["timeline", "X"])).toBe("reads");
    expect(cacheKindFor(["note", "add", "X", "-m", "list"])).toBe("all");
    expect(cacheKindFor(["share", "X"])).toBe("all");
    expect(cacheKindFor([])).toBe("all");
    // A copy with no cache, with a cache that is not one, and with the cache of other code: all
    // compile from source and run.
    const dir = tempDir("chart-boot-");
    const copy = join(dir, BUNDLE);
    writeFileSync(copy, readFileSync(bundleFile));
    expect(state(copy)).toBe("none function");
    expect(stateOf(copy, ["client", "list"])).toBe("none function");
    writeFileSync(cacheFile(copy), Buffer.from("not a V8 code cache"));
    expect(state(copy)).toBe("rejected function");
    writeFileSync(cacheFile(copy), readFileSync(cacheFile(bundleFile)));
    expect(stateOf(copy, ["client", "list"])).toBe("used function"); // no listings' cache: the whole one
    writeFileSync(copy, `${readFileSync(bundleFile, "utf8")}\n// another build\n`);
    writeFileSync(cacheFile(copy), readFileSync(cacheFile(bundleFile)));
    expect(state(copy)).toBe("rejected function");
  });

  it("median wall time of `chart note add -m`, next to `node -e 0` and a plain `git commit`", () => {
    const n = 5;
    const node = timeIt(() => execFileSync(process.execPath, ["-e", "0"]), n);
    const repo = tempDir("chart-gitbase-");
    execFileSync("git", ["init", "-q", repo]);
    let i = 0;
    const gitCommit = timeIt(() => {
      const f = `f${(i += 1)}`;
      writeFileSync(join(repo, f), "x");
      const env = { ...process.env, GIT_CONFIG_NOSYSTEM: "1", GIT_CONFIG_GLOBAL: "/dev/null" };
      execFileSync("git", ["add", "--", f], { cwd: repo, env });
      execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "--no-verify", "-m", "x", "--", f], { cwd: repo, env });
    }, n);
    const add = timeIt(() => sb.ok(["note", "add", cid, "-m", "timed"]), n);
    console.log(`start-up medians (n=${n}): node -e 0 ${node.toFixed(0)} ms; git add+commit ${gitCommit.toFixed(0)} ms; chart note add -m ${add.toFixed(0)} ms`);
    expect(add).toBeLessThan(10_000); // a sanity bound only; the figures are for the report
  });
});
