import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { inprocSandbox, type Inproc } from "../support/inproc.js";

let sb: Inproc;
beforeAll(async () => {
  sb = await inprocSandbox({ init: false });
});

const has = (cmd: string) => spawnSync("sh", ["-c", `command -v ${cmd}`]).status === 0;

describe("completion, help, version", () => {
  it("bash: a script bash -n accepts, that completes commands, subcommands and flags", async () => {
    const r = await sb.run(["completion", "bash"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("complete -F _chart_complete chart");
    expect(spawnSync("bash", ["-n"], { input: r.stdout }).status).toBe(0);
    const complete = (line: string) => {
      const words = line.split(" ");
      const script = `${r.stdout}\nCOMP_WORDS=(${words.map((w) => `"${w}"`).join(" ")}); COMP_CWORD=${words.length - 1}; _chart_complete; printf '%s\\n' "\${COMPREPLY[@]}"`;
      return spawnSync("bash", ["-c", script], { encoding: "utf8" }).stdout.trim().split("\n");
    };
    expect(complete("chart no")).toContain("note");
    expect(complete("chart note ")).toEqual(expect.arrayContaining(["add", "list", "show", "edit", "sign", "amend"]));
    expect(complete("chart note add --te")).toContain("--template");
    expect(complete("chart client ")).toEqual(expect.arrayContaining(["add", "list", "show", "edit", "discharge"]));
    expect(complete("chart ")).not.toContain("textconv"); // hidden
  });

  it("zsh and fish: scripts naming the commands (checked by the shells when installed)", async () => {
    const zsh = await sb.run(["completion", "zsh"]);
    expect(zsh.code).toBe(0);
    expect(zsh.stdout.startsWith("#compdef chart")).toBe(true);
    expect(spawnSync("bash", ["-n"], { input: zsh.stdout.replace(/^autoload.*$/m, "") }).status).toBe(0);
    if (has("zsh")) expect(spawnSync("zsh", ["-n"], { input: zsh.stdout }).status).toBe(0);
    const fish = await sb.run(["completion", "fish"]);
    expect(fish.code).toBe(0);
    expect(fish.stdout).toContain("complete -c chart -n '__fish_use_subcommand' -a note");
    expect(fish.stdout).toContain("-l template");
    if (has("fish")) expect(spawnSync("fish", ["-n"], { input: fish.stdout }).status).toBe(0);
  });

  it("--version prints the package version; --help lists the commands and global options", async () => {
    const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
    for (const flag of ["--version", "-V"]) {
      const v = await sb.run([flag]);
      expect([v.code, v.stdout.trim()]).toEqual([0, pkg.version]);
    }
    const h = await sb.run(["--help"]);
    expect(h.code).toBe(0);
    for (const word of ["init", "key", "client", "note", "completion", "--repo", "--identity", "--json", "--no-color", "--quiet"]) expect(h.stdout).toContain(word);
    expect(h.stdout).not.toContain("textconv");
    const nh = await sb.run(["note", "add", "--help"]);
    expect(nh.code).toBe(0);
    for (const word of ["--message", "--file", "--template", "--kind", "--date", "--duration", "--sign"]) expect(nh.stdout).toContain(word);
  });
});
