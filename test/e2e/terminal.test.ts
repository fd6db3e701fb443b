/**
 * Escapes on a real pseudo-terminal (util-linux `script`): with colour on, the only escape
 * sequences chart writes are its own SGR colour codes; a record's ESC, OSC, C1 and bidi
 * characters arrive as visible text.
 */
import { spawnSync } from "node:child_process";
import { rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { shellQuote } from "../../src/cli/run.js";
import { BIN, sandbox, type Sandbox } from "../support/e2e.js";

const hasScript = spawnSync("script", ["--version"]).status === 0;
let sb: Sandbox;
let client: string;
let note: string;
const NAME = "Eve \x1b]0;pwned\x07\x1b[2J\x1b]8;;https://evil.example/\x1b\\link\x1b]8;;\x1b\\ \u202eXYZ\u202c \x9b31m";

function onPty(args: string[]): { code: number; out: string } {
  const cmd = [process.execPath, BIN, ...args].map(shellQuote).join(" ");
  // A wide terminal: tables are not cut to the screen, so every cell's escapes show in full.
  const env: Record<string, string> = { ...sb.env, TERM: "xterm-256color", COLUMNS: "1000" };
  delete env.NO_COLOR;
  const r = spawnSync("script", ["-qec", cmd, "/dev/null"], { cwd: sb.repo, env, encoding: "utf8", input: "" });
  return { code: r.status ?? -1, out: r.stdout };
}

describe.skipIf(!hasScript)("escapes on a pseudo-terminal", () => {
  beforeAll(() => {
    sb = sandbox();
    client = sb.ok(["client", "add", "--name", NAME]);
    note = sb.ok(["note", "add", client, "-F", "-"], { input: `body ${NAME}\nline two \0 nul` });
  });
  afterAll(() => rmSync(sb.home, { recursive: true, force: true }));

  it.each([
    [["client", "list"]],
    [["client", "show", "Eve"]],
    [["note", "list", "Eve"]],
    [["note", "show", "NOTE"]],
    [["client", "show", "nobody \x1b]0;x\x07"]],
    [["timeline", "Eve"]],
  ])("%j writes only SGR colour codes", (args) => {
    const r = onPty(args.map((a) => (a === "NOTE" ? note : a)));
    // all escape sequences are SGR (ESC [ digits m); nothing else starts with ESC or is C1/bidi
    // eslint-disable-next-line no-control-regex -- strips SGR escapes on purpose
    const rest = r.out.replace(/\x1b\[[0-9;]*m/g, "");
    // eslint-disable-next-line no-control-regex
    expect(rest).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
    if (args[0] !== "client" || args[1] !== "show" || args[2] === "Eve") {
      expect(r.code).toBe(0);
      expect(rest).toContain("⟨U+001B⟩");
    }
  });
});
