import { tempDir } from "../support/tmp.js";
import { execFileSync } from "node:child_process";
import { chmodSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ChartError } from "../../src/domain/errors.js";
import { createIdentity, identityPath, loadIdentity } from "../../src/store/identity.js";
import { openChart } from "../../src/store/repo.js";
import { inprocSandbox } from "../support/inproc.js";

const tmp = () => tempDir("chart-id-");

async function failure(p: Promise<unknown>): Promise<ChartError> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  if (!(e instanceof ChartError)) throw new Error(`expected a ChartError, got ${String(e)}`);
  return e;
}

describe("identity", () => {
  it("path: --identity, then $CHART_IDENTITY, then $XDG_CONFIG_HOME, then ~/.config", () => {
    expect(identityPath({ CHART_IDENTITY: "/e" }, "/cwd", "rel/flag")).toBe("/cwd/rel/flag");
    expect(identityPath({ CHART_IDENTITY: "id.txt", XDG_CONFIG_HOME: "/x" }, "/cwd")).toBe("/cwd/id.txt");
    expect(identityPath({ XDG_CONFIG_HOME: "/x", HOME: "/h" }, "/cwd")).toBe("/x/chart/identity");
    expect(identityPath({ HOME: "/h" }, "/cwd")).toBe("/h/.config/chart/identity");
  });

  it("createIdentity writes an age-keygen style file, mode 0600 in a 0700 folder, that stock age agrees with", async () => {
    const p = join(tmp(), "conf", "chart", "identity");
    const id = await createIdentity(p, new Date("2024-01-01T00:00:00Z"));
    expect(statSync(p).mode & 0o777).toBe(0o600);
    expect(statSync(join(p, "..")).mode & 0o777).toBe(0o700);
    expect(readFileSync(p, "utf8")).toMatch(/^# created: .*\n# public key: age1[a-z0-9]+\nAGE-SECRET-KEY-1[A-Z0-9]+\n$/);
    expect(execFileSync("age-keygen", ["-y", p], { encoding: "utf8" }).trim()).toBe(id.recipient);
    const loaded = await loadIdentity(p);
    expect(loaded).toEqual(id);
  });

  it("loads an identity made by age-keygen", async () => {
    const p = join(tmp(), "key.txt");
    execFileSync("age-keygen", ["-o", p], { stdio: "ignore" });
    chmodSync(p, 0o600);
    const id = await loadIdentity(p);
    expect(id.recipient).toBe(execFileSync("age-keygen", ["-y", p], { encoding: "utf8" }).trim());
  });

  it("a missing identity is exit 6 with a hint to run chart init", async () => {
    const e = await failure(loadIdentity(join(tmp(), "nope")));
    expect([e.code, e.exit]).toEqual(["E_NO_IDENTITY", 6]);
    expect(e.hint).toContain("chart init");
  });

  it("an identity others (or the group) can read is refused, with the chmod to run", async () => {
    const p = join(tmp(), "key.txt");
    execFileSync("age-keygen", ["-o", p], { stdio: "ignore" });
    for (const mode of [0o644, 0o640, 0o604, 0o660]) {
      chmodSync(p, mode);
      const e = await failure(loadIdentity(p));
      expect([e.code, e.exit]).toEqual(["E_IDENTITY_PERMS", 6]);
      expect(e.hint).toBe(`run: chmod 600 ${p}`);
      expect(e.message).not.toContain("AGE-SECRET-KEY");
    }
    chmodSync(p, 0o400);
    await expect(loadIdentity(p)).resolves.toBeTruthy();
  });

  it("garbage, a broken key, and a passphrase-protected file are refused without echoing them", async () => {
    const dir = tmp();
    const cases: [string, string][] = [
      ["not a key at all SECRETSTUFF\n", "E_IDENTITY_INVALID"],
      ["AGE-SECRET-KEY-1QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQ\n", "E_IDENTITY_INVALID"],
      ["age-encryption.org/v1\n-> scrypt abc 18\nxyz\n", "E_IDENTITY_LOCKED"],
    ];
    for (const [i, [text, code]] of cases.entries()) {
      const p = join(dir, `k${i}`);
      writeFileSync(p, text, { mode: 0o600 });
      const e = await failure(loadIdentity(p));
      expect([e.code, e.exit]).toEqual([code, 6]);
      expect(e.message).not.toContain("SECRETSTUFF");
      expect(e.message).not.toContain("QQQQ");
    }
  });

  it("the wrong identity cannot open a chart: exit 6, E_WRONG_IDENTITY", async () => {
    const sb = await inprocSandbox();
    const other = join(tmp(), "other.txt");
    execFileSync("age-keygen", ["-o", other], { stdio: "ignore" });
    chmodSync(other, 0o600);
    const e = await failure(openChart(sb.repo, await loadIdentity(other), sb.env));
    expect([e.code, e.exit]).toEqual(["E_WRONG_IDENTITY", 6]);
    await expect(openChart(sb.repo, await loadIdentity(sb.identity), sb.env)).resolves.toBeTruthy();
  });
});
