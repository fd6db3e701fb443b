/**
 * The error catalogue against the README: every exit class the catalogue uses is in the
 * README's exit-code table with the same number, and every code that src/ raises is listed
 * (the compiler already refuses an unlisted one; this also catches codes left in the catalogue
 * that nothing raises any more).
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ERROR_CODES } from "../../src/domain/error-codes.js";
import { EXIT, type ExitKind } from "../../src/domain/errors.js";
import { ROOT } from "../support/e2e.js";

const readmeTable = (): Map<number, string> => {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const section = readme.slice(readme.indexOf("## Errors and exit codes"));
  const rows = [...section.matchAll(/^\| (\d) \| ([^|]+) \|$/gm)];
  return new Map(rows.map((m) => [Number(m[1]), (m[2] as string).trim()]));
};

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : []));
}

describe("error catalogue", () => {
  it("the README's exit-code table has every exit class, numbered as the code does", () => {
    const table = readmeTable();
    expect([...table.keys()].sort()).toEqual(Object.values(EXIT).sort());
    const words: Record<ExitKind, RegExp> = { ok: /^ok/, internal: /internal/, usage: /usage/, invalid: /invalid/, notFound: /not found/, conflict: /conflict/, key: /key/, storage: /storage/ };
    for (const [kind, n] of Object.entries(EXIT)) expect(table.get(n), `exit ${n}`).toMatch(words[kind as ExitKind]);
  });

  it("codes are E_UPPER_SNAKE and each one is raised somewhere in src/", () => {
    const text = sources(join(ROOT, "src")).filter((f) => !f.endsWith("error-codes.ts")).map((f) => readFileSync(f, "utf8")).join("\n");
    const unused = Object.keys(ERROR_CODES).filter((c) => !text.includes(`"${c}"`));
    expect(unused).toEqual([]);
    for (const c of Object.keys(ERROR_CODES)) expect(c).toMatch(/^E_[A-Z0-9]+(_[A-Z0-9]+)*$/);
  });
});
