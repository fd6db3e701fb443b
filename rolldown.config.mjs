// The shipped CLI is one CommonJS file, dist/bundle/chart.cjs, started by src/cli/boot.ts with a
// V8 code cache made at build time (scripts/code-cache.mjs): compiling and evaluating ~470
// modules was most of every command's start-up (docs/decisions.md, "Start-up"). pdfkit stays
// outside (it reads its font files from its own folder) and so does @inquirer/prompts (only loaded
// to prompt on a terminal).
//
// The read worker, the share's PDF worker and the unlock agent are ES modules of their own
// (top-level await): worker threads load the first two by file (src/store/decrypt-pool.ts,
// src/export/pdf-thread.ts), the agent is a detached process
// started by file (src/store/agent-start.ts). The boot file that bin/chart.js requires is
// CommonJS, like bin/chart.js itself (bin/package.json): a command then starts without Node's
// ES module loader.
import { defineConfig } from "rolldown";

const external = ["pdfkit", "@inquirer/prompts", /^node:/];

export default defineConfig([
  {
    input: { chart: "src/cli/run.ts" },
    platform: "node",
    external,
    output: { dir: "dist/bundle", format: "cjs", entryFileNames: "[name].cjs", codeSplitting: false, dynamicImportInCjs: false, minify: true, sourcemap: false },
  },
  {
    input: { boot: "src/cli/boot.ts" },
    platform: "node",
    external,
    output: { dir: "dist/bundle", format: "cjs", entryFileNames: "[name].cjs", minify: true, sourcemap: false },
  },
  {
    input: { "read-worker": "src/store/read-worker.ts", "pdf-worker": "src/export/pdf-worker.ts", agent: "src/store/agent-main.ts" },
    platform: "node",
    external,
    output: { dir: "dist/bundle", format: "esm", entryFileNames: "[name].js", chunkFileNames: "[name]-[hash].js", minify: true, sourcemap: false },
  },
]);
