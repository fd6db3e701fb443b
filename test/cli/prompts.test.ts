/** Prompts: only on a terminal (here a scripted prompter), never without one. */
import { beforeAll, describe, expect, it } from "vitest";
import type { Prompter } from "../../src/cli/deps.js";
import { inprocSandbox, type Inproc } from "../support/inproc.js";

let sb: Inproc;
beforeAll(async () => {
  sb = await inprocSandbox();
});

/** A prompter that answers from a list and records the questions. */
function scripted(answers: string[]): Prompter & { asked: string[] } {
  const asked: string[] = [];
  /* eslint-disable @typescript-eslint/require-await -- the Prompter's methods are async; this script answers at once */
  return {
    asked,
    async input(o) {
      asked.push(o.message);
      const a = answers.shift() ?? "";
      const ok = o.validate ? o.validate(a) : true;
      if (ok !== true) throw new Error(`invalid answer for ${o.message}: ${ok}`);
      return a;
    },
    async confirm() {
      return true;
    },
    async select(o) {
      return o.choices[0]!.value;
    },
  };
  /* eslint-enable @typescript-eslint/require-await */
}

describe("client add on a terminal", () => {
  it("with no flags, asks for the name and the optional fields; Enter skips", async () => {
    const p = scripted(["Tova Prompted", "Tova", "she/her", "", "tova@example.org", "", ""]);
    const id = await sb.ok(["client", "add"], { prompter: p });
    expect(p.asked[0]).toMatch(/name/i);
    expect(p.asked).toHaveLength(7);
    const shown = JSON.parse(await sb.ok(["client", "show", id, "--json"]));
    expect(shown).toMatchObject({ name: "Tova Prompted", preferredName: "Tova", pronouns: "she/her", email: "tova@example.org" });
    expect(shown.dob).toBeUndefined();
  });

  it("validates answers as it asks (a bad date of birth is not accepted)", async () => {
    const p = scripted(["Ulla Prompted", "", "", "31-12-1990"]);
    const r = await sb.run(["client", "add"], { prompter: p });
    expect(r.code).not.toBe(0);
    expect(p.asked).toHaveLength(4);
  });

  it("with flags given, asks nothing more", async () => {
    const p = scripted([]);
    await sb.ok(["client", "add", "--name", "Vera Flagged"], { prompter: p });
    expect(p.asked).toEqual([]);
  });
});
