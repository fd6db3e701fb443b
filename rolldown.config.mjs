// The shipped CLI is one bundle (plus lazily loaded chunks): loading ~470 small modules costs
// more start-up time than the code itself. pdfkit stays outside (it reads its font files from its
// own folder) and so does @inquirer/prompts (only loaded to prompt on a terminal).
import { defineConfig } from "rolldown";

export default defineConfig({
  // The read worker is its own entry: worker threads load it by file (src/store/decrypt-pool.ts).
  // So is the unlock agent: a detached process started by file (src/store/agent-start.ts).
  input: { chart: "src/cli/run.ts", "read-worker": "src/store/read-worker.ts", agent: "src/store/agent-main.ts" },
  platform: "node",
  external: ["pdfkit", "@inquirer/prompts", /^node:/],
  output: {
    dir: "dist/bundle",
    format: "esm",
    entryFileNames: "[name].js",
    chunkFileNames: "[name]-[hash].js",
    minify: true,
    sourcemap: false,
  },
});
