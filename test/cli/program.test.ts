/**
 * A command line that names a command registers only that command's group (src/cli/program.ts):
 * the groups' names must be right, and the one group must be the same as in the whole program.
 */
import { Command, type Option } from "commander";
import { describe, expect, it } from "vitest";
import type { Deps } from "../../src/cli/deps.js";
import { commandWord } from "../../src/cli/command-word.js";
import { buildProgram, REGISTRATIONS } from "../../src/cli/program.js";

const deps = {} as Deps; // registration only keeps deps for the actions, which do not run here
const names = (p: Command) => p.commands.map((c) => c.name());

/** A command's whole tree: names, arguments, options and descriptions, as help would show them. */
function shape(c: Command): unknown {
  return {
    name: c.name(),
    aliases: c.aliases(),
    description: c.description(),
    args: c.registeredArguments.map((a) => [a.name(), a.required, a.variadic]),
    options: (c.options as Option[]).map((o) => [o.flags, o.description, o.defaultValue]),
    commands: c.commands.map(shape),
  };
}

describe("program", () => {
  it("each registration adds exactly the commands it names", () => {
    for (const [group, register] of REGISTRATIONS) {
      const p = new Command("chart");
      register(p, { deps, action: () => async () => {} });
      expect(names(p)).toEqual(group);
    }
  });

  it("the whole program lists every group's commands in order, each once", () => {
    const all = names(buildProgram(deps, "0").program);
    expect(all).toEqual(REGISTRATIONS.flatMap(([group]) => group));
    expect(new Set(all).size).toBe(all.length);
  });

  it("a command line naming a command builds only its group, identical to the whole program's", () => {
    const whole = buildProgram(deps, "0").program;
    for (const [group] of REGISTRATIONS) {
      for (const name of group) {
        const one = buildProgram(deps, "0", { command: name }).program;
        expect(names(one)).toEqual(name === "completion" ? names(whole) : group);
        for (const c of one.commands) expect(shape(c)).toEqual(shape(whole.commands.find((w) => w.name() === c.name()) as Command));
        expect((shape(one) as { options: unknown }).options).toEqual((shape(whole) as { options: unknown }).options);
      }
    }
    // A word that names no command: everything (commander's error then suggests a close match).
    expect(names(buildProgram(deps, "0", { command: "clinet" }).program)).toEqual(names(whole));
  });

  it("finds the command word after global options and their values", () => {
    expect(commandWord(["client", "list"])).toBe("client");
    expect(commandWord(["--repo", "note", "client", "list"])).toBe("client");
    expect(commandWord(["--identity", "/k", "--json", "-q", "note", "list"])).toBe("note");
    expect(commandWord(["--repo=/r", "timeline", "X"])).toBe("timeline");
    expect(commandWord(["--json"])).toBeUndefined();
    expect(commandWord(["--", "client"])).toBeUndefined();
    expect(commandWord([])).toBeUndefined();
  });
});
