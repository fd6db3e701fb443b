import { describe, expect, it } from "vitest";
import { addClient, sandbox } from "../support/e2e.js";

describe("smoke", () => {
  it("init, add a client and a note, list it", () => {
    const sb = sandbox();
    const id = addClient(sb, "Quillon Testperson");
    expect(id).toMatch(/^cl_[a-z2-7]{26}$/);
    const nid = sb.ok(["note", "add", "quillon", "-m", "Slept better this week."]);
    expect(nid).toMatch(/^nt_/);
    const list = JSON.parse(sb.ok(["note", "list", "quillon", "--json"]));
    expect(list).toHaveLength(1);
    expect(list[0].body).toContain("Slept better");
  });
});
