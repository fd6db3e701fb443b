/**
 * Which clients are voided (src/store/voids.ts voidedClients): a voids folder that cannot be
 * listed is a named failure, never taken for "no voids" (the client would show as active).
 */
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { loadIdentity } from "../../src/store/identity.js";
import { openChart, type Chart } from "../../src/store/repo.js";
import { voidedClients } from "../../src/store/voids.js";
import { inprocSandbox, type Inproc } from "../support/inproc.js";

let sb: Inproc;
let chart: Chart;
let kept: string;
let gone: string;
let odd: string;

beforeAll(async () => {
  sb = await inprocSandbox();
  kept = await sb.ok(["client", "add", "--name", "Kim Kept"]);
  gone = await sb.ok(["client", "add", "--name", "Val Voided"]);
  odd = await sb.ok(["client", "add", "--name", "Lou Loop"]);
  await sb.ok(["void", gone, "--reason", "entered in error", "-y"]);
  chart = await openChart(sb.repo, await loadIdentity(sb.identity), sb.env);
});

describe("voided clients", () => {
  it("a voids folder absent, or a file where it would be, means no voids; a void is found", async () => {
    writeFileSync(join(sb.repo, "clients", odd, "voids"), "not a folder");
    const r = await voidedClients(chart, [kept, gone, odd]);
    expect([...r.voided]).toEqual([gone]);
    expect(r.failures).toEqual([]);
    rmSync(join(sb.repo, "clients", odd, "voids"));
  });

  it("a voids folder that cannot be listed is named, with its own code, and client list fails", async () => {
    const voids = join(sb.repo, "clients", odd, "voids");
    symlinkSync("voids", voids); // a loop: ELOOP, which even root cannot list
    try {
      const r = await voidedClients(chart, [kept, gone, odd]);
      expect([...r.voided]).toEqual([gone]);
      expect(r.failures.map((f) => [f.path, f.error.code])).toEqual([[`clients/${odd}/voids`, "E_READ_FAILED"]]);
      const run = await sb.run(["client", "list"]);
      expect(run.code).not.toBe(0);
      expect(run.stderr).toContain(`clients/${odd}/voids`);
    } finally {
      rmSync(voids);
      mkdirSync(voids, { recursive: true });
    }
  });
});
