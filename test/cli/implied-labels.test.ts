/** Implied labels through the commands: dx add and import always label; leaving off is explicit. */
import { rmSync } from "node:fs";
import { afterAll, beforeAll, expect, it } from "vitest";
import { inprocSandbox, type Inproc } from "../support/inproc.js";

let sb: Inproc;
beforeAll(async () => {
  sb = await inprocSandbox();
});
afterAll(() => rmSync(sb.home, { recursive: true, force: true }));

const dxList = async (c: string) => JSON.parse(await sb.ok(["dx", "list", c, "--all", "--json"])) as { code: string; labels?: string[] }[];

it("import of F11.20 without --auto-label stores SUD; B20 stores HIV", async () => {
  const c = await sb.ok(["client", "add", "--name", "Ira Import"]);
  const lines = [
    { kind: "dx", client: c, event: "add", code: "F11.20", date: "2025-01-02", status: "active" },
    { kind: "dx", client: c, event: "add", code: "B20", date: "2025-01-02", status: "active" },
    { kind: "dx", client: c, event: "add", code: "F12.20", date: "2025-01-02", status: "active", withoutLabels: ["SUD"] },
  ];
  const r = await sb.run(["import", "-"], { input: lines.map((l) => JSON.stringify(l)).join("\n") });
  expect(r.code).toBe(0);
  expect(r.stderr).toMatch(/leaves off a label the code implies/);
  const list = await dxList(c);
  expect(list.find((d) => d.code === "F11.20")?.labels).toEqual(["SUD"]);
  expect(list.find((d) => d.code === "B20")?.labels).toEqual(["HIV"]);
  expect(list.find((d) => d.code === "F12.20")?.labels).toBeUndefined();
});

it("dx add: --no-auto-label is refused; --without-label is explicit, checked and recorded", async () => {
  const c = await sb.ok(["client", "add", "--name", "Dee Dx"]);
  const refused = await sb.run(["dx", "add", c, "F11.20", "--no-auto-label", "--json"]);
  expect(refused.code).toBe(2);
  expect(refused.stderr).toMatch(/E_AUTO_LABEL_ALWAYS/);
  expect((await sb.run(["dx", "add", c, "F41.1", "--without-label", "SUD"])).code).toBe(3);
  await sb.ok(["dx", "add", c, "F11.20"]);
  const off = await sb.run(["dx", "add", c, "F15.20", "--without-label", "SUD"]);
  expect(off.code).toBe(0);
  expect(off.stderr).toMatch(/SUD left off F15\.20 as asked/);
  const list = await dxList(c);
  expect(list.find((d) => d.code === "F11.20")?.labels).toEqual(["SUD"]);
  expect(list.find((d) => d.code === "F15.20")?.labels).toBeUndefined();
  const hist = await sb.ok(["dx", "history", c, "--json"]);
  expect(hist).toMatch(/"withoutLabels":\s*\[\s*"SUD"\s*\]/);
});
