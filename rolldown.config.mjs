// The shipped CLI is one CommonJS file, dist/bundle/chart.cjs, started by src/cli/boot.ts with a
// V8 code cache made at build time (scripts/code-cache.mjs): compiling and evaluating ~470
// modules was most of every command's start-up (docs/decisions.md, "Start-up"). pdfkit stays
// outside (it reads its font files from its own folder) and so does @inquirer/prompts (only loaded
// to prompt on a terminal).
//
// The read worker and the unlock agent are ES modules of their own (top-level await): a worker
// thread loads the first by file (src/store/decrypt-pool.ts), the agent is a detached process
// started by file (src/store/agent-start.ts). The boot file that bin/chart.js requires is
// CommonJS, like bin/chart.js itself (bin/package.json): a command then starts without Node's
// ES module loader.
//
// The share's PDF worker (src/export/pdf-worker.ts) is one CommonJS file with pdfkit and its
// dependencies inside (dist/bundle/pdf-worker.cjs), started through a small CommonJS entry
// (dist/bundle/pdf-worker-boot.cjs, src/export/pdf-worker-boot.ts: a thread starts a CommonJS
// file sooner than an ES module) with a V8 code cache made at build time like the CLI's:
// loading pdfkit as ES modules, compiled from source each time, was most of the thread's start
// (docs/sharing.md, "Speed"). pdfkit's own files are read only for its standard fonts and PDF/A
// colour profile, which chart's PDFs never use; the DejaVu fonts are found from the bundle's
// folder (src/export/pdf.ts). No import() in it either.
//
// Every output is ASCII (charset "ascii": non-ASCII characters in strings and regular
// expressions are written as \u escapes). With the 82 non-ASCII characters chart's messages
// hold (…, —, ·), V8 kept the whole 0.9 MB bundle as a two-byte string: reading it took 4-5 ms
// on every start against 1.7-2.2 ms for the same code in ASCII (docs/decisions.md, "Start-up").
//
// In the PDF worker, tiny-inflate (pure JavaScript, used by unicode-trie and fontkit) is replaced
// by Node's own zlib: building the Unicode tries that line breaking and shaping read took about
// 45 ms of the worker's start, on the share's critical path (docs/sharing.md, "Speed"). Same
// function, same results (scripts/native-inflate.cjs; test/export/native-inflate.test.ts).
import { readFileSync } from "node:fs";
import { defineConfig } from "rolldown";

const NATIVE_INFLATE = readFileSync(new URL("./scripts/native-inflate.cjs", import.meta.url), "utf8");
const nativeInflate = {
  name: "chart-native-inflate",
  load(id) {
    return /[\\/]node_modules[\\/]tiny-inflate[\\/]index\.js$/.test(id) ? NATIVE_INFLATE : null;
  },
};

const external = ["pdfkit", "@inquirer/prompts", /^node:/];

export default defineConfig([
  {
    input: { chart: "src/cli/run.ts" },
    platform: "node",
    external,
    output: { dir: "dist/bundle", format: "cjs", entryFileNames: "[name].cjs", codeSplitting: false, dynamicImportInCjs: false, minify: true, charset: "ascii", sourcemap: false },
  },
  {
    input: { boot: "src/cli/boot.ts" },
    platform: "node",
    external,
    output: { dir: "dist/bundle", format: "cjs", entryFileNames: "[name].cjs", minify: true, charset: "ascii", sourcemap: false },
  },
  {
    input: { "read-worker": "src/store/read-worker.ts", agent: "src/store/agent-main.ts" },
    platform: "node",
    external,
    output: { dir: "dist/bundle", format: "esm", entryFileNames: "[name].js", chunkFileNames: "[name]-[hash].js", minify: true, charset: "ascii", sourcemap: false },
  },
  {
    input: { "pdf-worker": "src/export/pdf-worker.ts" },
    platform: "node",
    plugins: [nativeInflate],
    external: [/^node:/],
    output: { dir: "dist/bundle", format: "cjs", entryFileNames: "[name].cjs", codeSplitting: false, dynamicImportInCjs: false, minify: true, charset: "ascii", sourcemap: false },
  },
  {
    input: { "pdf-worker-boot": "src/export/pdf-worker-boot.ts" },
    platform: "node",
    external: [/^node:/],
    output: { dir: "dist/bundle", format: "cjs", entryFileNames: "[name].cjs", codeSplitting: false, minify: true, charset: "ascii", sourcemap: false },
  },
]);
