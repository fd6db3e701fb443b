import { describe, expect, it } from "vitest";
import { inprocSandbox } from "../support/inproc.js";

describe("help and unknown commands", () => {
  it("`chart` alone prints a short overview to stdout, exit 0", async () => {
    const sb = await inprocSandbox({ init: false });
    const r = await sb.run([]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
    expect(r.stdout).toContain("Commands:");
    expect(r.stdout).toMatch(/^\s+note\s+/m);
    expect(r.stdout).toContain("chart COMMAND --help");
  });

  it("`chart help A B` is A B's help", async () => {
    const sb = await inprocSandbox({ init: false });
    const r = await sb.run(["help", "note", "add"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Usage: chart note add");
  });

  it("an unknown command suggests only a close match, exit 2", async () => {
    const sb = await inprocSandbox({ init: false });
    const typo = await sb.run(["clinet"]);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain("did you mean `chart client`");
    const far = await sb.run(["shred"]);
    expect(far.code).toBe(2);
    expect(far.stderr).not.toContain("did you mean");
  });
});
