/**
 * The module graph of src/: imports point one way (cli -> export -> store -> domain) and there are
 * no cycles, counting dynamic imports too (a lazy import does not make a cycle harmless: it
 * only hides it from the bundler).
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "../support/e2e.js";

const SRC = join(ROOT, "src");

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : []));
}

/** Local imports of one file, as paths relative to src/ (type-only imports excluded). */
function importsOf(file: string): string[] {
  const text = readFileSync(file, "utf8");
  const specs = [
    ...[...text.matchAll(/^\s*(?:import|export)\s+(?!type\b)[^'"]*?from\s+["'](\.[^"']+)["']/gm)].map((m) => m[1]),
    ...[...text.matchAll(/\bimport\(\s*["'](\.[^"']+)["']\s*\)/g)].map((m) => m[1]),
  ];
  return specs.map((s) => relative(SRC, resolve(dirname(file), (s as string).replace(/\.js$/, ".ts"))));
}

export function graph(): Map<string, string[]> {
  return new Map(files(SRC).map((f) => [relative(SRC, f), importsOf(f)]));
}

/** Every cycle found by a depth-first walk, each as a list of files. */
export function cycles(g: Map<string, string[]>): string[][] {
  const found: string[][] = [];
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const visit = (n: string): void => {
    state.set(n, "open");
    stack.push(n);
    for (const m of g.get(n) ?? []) {
      if (state.get(m) === "open") found.push([...stack.slice(stack.indexOf(m)), m]);
      else if (!state.has(m)) visit(m);
    }
    stack.pop();
    state.set(n, "done");
  };
  for (const n of [...g.keys()].sort()) if (!state.has(n)) visit(n);
  return found;
}

const layer = (p: string) => p.split("/")[0] as string;
const ALLOWED: Record<string, string[]> = {
  domain: ["domain"],
  store: ["store", "domain"], // never export or cli
  // Rendering may encrypt and hash what it renders (store/age, store/hash); it never reads or
  // writes the chart, and the store never imports export.
  export: ["export", "store", "domain"],
  cli: ["cli", "store", "export", "domain"],
};

describe("module graph", () => {
  it("has no import cycles", () => {
    expect(cycles(graph()).map((c) => c.join(" -> "))).toEqual([]);
  });

  it("imports point one way: cli -> export -> store -> domain", () => {
    const wrong: string[] = [];
    for (const [from, tos] of graph()) {
      const allowed = ALLOWED[layer(from)];
      if (!allowed) continue;
      for (const to of tos) if (!allowed.includes(layer(to))) wrong.push(`${from} -> ${to}`);
    }
    expect(wrong).toEqual([]);
  });
});
