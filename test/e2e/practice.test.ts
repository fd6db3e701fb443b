/** chart practice set|show: an encrypted, committed profile that survives key rotation. */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { sandbox, type Sandbox } from "../support/e2e.js";

const git = (cwd: string, args: string[]) => execFileSync("git", args, { cwd, encoding: "utf8" });

describe("chart practice", () => {
  let sb: Sandbox;
  beforeAll(() => {
    sb = sandbox();
  });

  it("show without a profile says how to set one", () => {
    const r = sb.run(["practice", "show"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("chart practice set");
    expect(JSON.parse(sb.ok(["practice", "show", "--json"]))).toEqual({});
  });

  it("set: validated, merged, encrypted, committed", () => {
    const before = Number(git(sb.repo, ["rev-list", "--count", "HEAD"]));
    sb.ok(["practice", "set", "--name", "Ellis Counseling, PLLC", "--clinician", "Jordan Ellis", "--credentials", "LCSW", "--npi", "1234567893", "--time-zone", "America/Chicago"]);
    sb.ok(["practice", "set", "--license", "012345", "--license-state", "ny", "--address", "12 Elm St\\nSpringfield, IL 62701"]);
    expect(Number(git(sb.repo, ["rev-list", "--count", "HEAD"]))).toBe(before + 2);
    expect(git(sb.repo, ["log", "-1", "--format=%s"]).trim()).toBe("chart: practice profile");
    const p = JSON.parse(sb.ok(["practice", "show", "--json"]));
    expect(p).toEqual({
      name: "Ellis Counseling, PLLC",
      address: "12 Elm St\nSpringfield, IL 62701",
      clinician: "Jordan Ellis",
      credentials: "LCSW",
      license: "012345",
      licenseState: "NY",
      npi: "1234567893",
      timeZone: "America/Chicago",
    });
    const raw = readFileSync(join(sb.repo, ".chart", "practice.age"));
    expect(raw.subarray(0, 22).toString()).toBe("age-encryption.org/v1\n");
    expect(raw.toString("latin1")).not.toContain("Ellis");
    expect(sb.ok(["practice", "show"])).toContain("NY");
  });

  it("refuses bad values and writes nothing", () => {
    const head = git(sb.repo, ["rev-parse", "HEAD"]);
    for (const args of [["--npi", "1234567890"], ["--time-zone", "EST"], ["--license-state", "XX"], ["--name", "x\u001b[2J"], []]) {
      const r = sb.run(["practice", "set", ...args]);
      expect(r.code, args.join(" ")).toBeGreaterThanOrEqual(2);
      expect(r.stderr).toMatch(/^error: /m);
    }
    expect(git(sb.repo, ["rev-parse", "HEAD"])).toBe(head);
  });

  it("--unset removes a field", () => {
    sb.ok(["practice", "set", "--unset", "credentials"]);
    expect(JSON.parse(sb.ok(["practice", "show", "--json"])).credentials).toBeUndefined();
    sb.ok(["practice", "set", "--credentials", "LCSW"]);
  });

  it("a profile edited outside chart is refused", () => {
    const file = join(sb.repo, ".chart", "practice.age");
    const good = readFileSync(file);
    execFileSync("cp", [join(sb.repo, ".chart", "macs.age"), file]); // a valid age file, not a practice profile
    const r = sb.run(["practice", "show"]);
    expect(r.code).toBe(3);
    execFileSync("git", ["checkout", "--", ".chart/practice.age"], { cwd: sb.repo });
    expect(readFileSync(file).equals(good)).toBe(true);
  });

  it("key rotation re-encrypts it: the profile still opens afterwards", () => {
    const r = sb.run(["key", "rotate", "--yes"]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(sb.ok(["practice", "show", "--json"])).npi).toBe("1234567893");
  });
});
