/** `git log -p` across a key rotation: the diff driver tries the identities this device kept. */
import { execFileSync } from "node:child_process";
import { rmSync } from "node:fs";
import { afterAll, expect, it } from "vitest";
import { addClient, sandbox } from "../support/e2e.js";

const sb = sandbox();
afterAll(() => rmSync(sb.home, { recursive: true, force: true }));

it("git log -p shows every version, before and after key rotate", () => {
  const id = addClient(sb, "Rhea Rotate", ["--phone", "555 0001"]);
  sb.ok(["key", "rotate", "--yes"]);
  sb.ok(["client", "edit", id, "--phone", "555 0002"]);
  const log = execFileSync("git", ["log", "-p", "--format=commit %s"], { cwd: sb.repo, env: sb.env, encoding: "utf8" });
  expect(log).toContain("+phone: 555 0001"); // written under the old identity
  expect(log).toContain("+phone: 555 0002");
  expect(log).not.toContain("cannot be decrypted");
});
