import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkClientFields, displayName, resolveClient, retentionDate } from "../../src/domain/client.js";
import { ChartError } from "../../src/domain/errors.js";
import { makeId } from "../../src/domain/ids.js";

const idFrom = (s: string) => `cl_${s.padEnd(26, "a")}`;
const c = (id: string, name: string, preferredName?: string) => ({ id, name, preferredName });

function err(f: () => unknown): ChartError {
  try {
    f();
  } catch (e) {
    if (e instanceof ChartError) return e;
    throw e;
  }
  throw new Error("expected a ChartError");
}

describe("resolveClient", () => {
  const ann = c(idFrom("qqqq"), "Ann Lee");
  const annabel = c(idFrom("rrrr"), "Annabel Stone", "Bel");
  const bob = c(idFrom("ssss"), "Bob Marsh");
  const all = [ann, annabel, bob];

  it("finds by full id, prefixed id prefix, bare id prefix, name part, preferred name", () => {
    expect(resolveClient(all, bob.id)).toBe(bob);
    expect(resolveClient(all, "cl_ssss")).toBe(bob);
    expect(resolveClient(all, "ssss")).toBe(bob);
    expect(resolveClient(all, "marsh")).toBe(bob);
    expect(resolveClient(all, "  MARSH ")).toBe(bob);
    expect(resolveClient(all, "bel")).toBe(annabel); // preferred name (and part of "Annabel")
  });

  it("an exact full name wins over names that contain it", () => {
    const a = c(idFrom("tttt"), "Ann");
    expect(resolveClient([a, annabel], "ann")).toBe(a);
  });

  it("ambiguity is a usage error (exit 2) listing the candidates", () => {
    const e = err(() => resolveClient(all, "ann"));
    expect(e.code).toBe("E_CLIENT_AMBIGUOUS");
    expect(e.exit).toBe(2);
    expect(e.message).toContain("cl_qqqqaaaa");
    expect(e.message).toContain("cl_rrrraaaa");
    expect(e.hint).toBeTruthy();
    // Names only for a person at a terminal: never in the message (logs, cron mail, JSON).
    expect(e.message).not.toMatch(/Annabel|Ann /);
    expect(e.terminalOnly?.join("\n")).toContain("Annabel");
  });

  it("a bare query that is both a name part and another client's id prefix is ambiguous, not a silent pick", () => {
    const byIdOnly = c(idFrom("ann"), "Zed Zephyr"); // id cl_annaaa... looks like "ann"
    const e = err(() => resolveClient([byIdOnly, c(idFrom("uuuu"), "Joann Ray")], "ann"));
    expect(e.code).toBe("E_CLIENT_AMBIGUOUS");
    // ... but the prefixed form names the id only.
    expect(resolveClient([byIdOnly, c(idFrom("uuuu"), "Joann Ray")], "cl_ann").id).toBe(byIdOnly.id);
  });

  it("no match is not found (exit 4); empty query is invalid", () => {
    expect(err(() => resolveClient(all, "nobody")).exit).toBe(4);
    expect(err(() => resolveClient(all, "   ")).code).toBe("E_CLIENT_QUERY");
    expect(err(() => resolveClient([], "ann")).exit).toBe(4);
  });

  it("property: a client is always found by its own full id, and by its prefixed id when unique", () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.uint8Array({ minLength: 16, maxLength: 16 }), { minLength: 1, maxLength: 8, selector: (b) => Buffer.from(b).toString("hex") }), fc.nat(), (seeds, pick) => {
        const clients = seeds.map((b, i) => c(makeId("client", b), `Person ${i}`));
        const target = clients[pick % clients.length]!;
        expect(resolveClient(clients, target.id)).toBe(target);
      }),
    );
  });

  it("property: the result, when there is one, always matches the query", () => {
    const names = fc.constantFrom("Ann Lee", "Annabel", "Bob", "Rob Bobson", "Li", "Lia Ng");
    fc.assert(
      fc.property(fc.array(names, { minLength: 1, maxLength: 5 }), fc.string({ minLength: 1, maxLength: 4 }), (ns, q) => {
        const clients = ns.map((n, i) => c(idFrom(String.fromCharCode(97 + i).repeat(4)), n));
        try {
          const r = resolveClient(clients, q);
          const t = q.trim().toLowerCase();
          expect(r.name.toLowerCase().includes(t) || r.id === q.trim() || r.id.slice(3).startsWith(t) || r.id.startsWith(t)).toBe(true);
        } catch (e) {
          expect(e).toBeInstanceOf(ChartError);
        }
      }),
    );
  });
});

describe("client fields", () => {
  it("checks name, email and phone", () => {
    expect(() => checkClientFields({ name: "A", email: "a@b.org", phone: "+1 (555) 010-9999" })).not.toThrow();
    expect(() => checkClientFields({ email: "", phone: "" })).not.toThrow();
    expect(err(() => checkClientFields({ name: "  " })).code).toBe("E_CLIENT_NAME");
    expect(err(() => checkClientFields({ email: "nope" })).code).toBe("E_BAD_EMAIL");
    expect(err(() => checkClientFields({ phone: "call me" })).code).toBe("E_BAD_PHONE");
  });

  it("error messages never echo the value typed (it may be clinical)", () => {
    fc.assert(
      fc.property(fc.string({ minLength: 6 }).map((s) => `x${s}Z`), (v) => {
        for (const f of [{ email: v }, { phone: v }]) {
          try {
            checkClientFields(f);
          } catch (e) {
            expect((e as ChartError).message).not.toContain(v);
          }
        }
      }),
    );
  });

  it("displayName shows a different preferred name", () => {
    expect(displayName({ name: "Robert Marsh", preferredName: "Bob" })).toBe("Robert Marsh (Bob)");
    expect(displayName({ name: "Bob", preferredName: "Bob" })).toBe("Bob");
    expect(displayName({ name: "Bob" })).toBe("Bob");
  });
});

describe("retentionDate", () => {
  it("is 7 years after last service for adults", () => {
    expect(retentionDate({ admitted: "2020-01-01", dob: "1980-05-05" }, "2024-06-30")).toBe("2031-06-30");
    expect(retentionDate({ admitted: "2020-01-01" }, undefined)).toBe("2027-01-01");
  });

  it("is 3 years after majority for a minor when that is later", () => {
    // born 2015-02-01: majority 2033-02-01, + 3 years = 2036-02-01 > 2024 + 7
    expect(retentionDate({ admitted: "2023-01-01", dob: "2015-02-01" }, "2024-01-10")).toBe("2036-02-01");
  });

  it("is never before either rule", () => {
    const day = fc.date({ min: new Date("1950-01-01"), max: new Date("2050-01-01"), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10));
    fc.assert(
      fc.property(day, day, fc.option(day, { nil: undefined }), (admitted, last, dob) => {
        const r = retentionDate({ admitted, dob }, last);
        expect(r >= last).toBe(true);
        if (dob) expect(r > dob).toBe(true);
      }),
    );
  });
});

describe("resolveClient: exact names, discharged clients, typos", () => {
  const mk = (id: string, name: string, status: "active" | "discharged" = "active", preferredName?: string) => ({ id: idFrom(id), name, status, ...(preferredName ? { preferredName } : {}) });
  const jo = mk("aaaa", "Jo March", "active", "Jo");
  const joanna = mk("bbbb", "Joanna Fields");
  const old = mk("cccc", "Ramona Quimby", "discharged");
  const jose = mk("dddd", "José Núñez");
  const all = [jo, joanna, old, jose];

  it("an exact preferred name beats names that contain it", () => {
    expect(resolveClient(all, "jo")).toBe(jo);
    expect(resolveClient(all, "JO MARCH")).toBe(jo);
  });

  it("names compare without case or accents", () => {
    expect(resolveClient(all, "jose nunez")).toBe(jose);
    expect(resolveClient(all, "nunez")).toBe(jose);
  });

  it("discharged clients are out of name matching unless asked; ids always work", () => {
    const e = err(() => resolveClient(all, "ramona"));
    expect(e.code).toBe("E_CLIENT_NOT_FOUND");
    expect(e.hint).toContain("--all");
    expect(e.message).not.toContain("Ramona");
    expect(resolveClient(all, "ramona", { includeDischarged: true })).toBe(old);
    expect(resolveClient(all, old.id)).toBe(old);
  });

  it("a discharged namesake does not make an active client ambiguous", () => {
    const twin = mk("eeee", "Joanna Fields", "discharged");
    expect(resolveClient([...all, twin], "joanna")).toBe(joanna);
  });

  it("a typo gets a did-you-mean by id, the name only on a terminal", () => {
    const e = err(() => resolveClient(all, "joana"));
    expect(e.message).toContain("did you mean");
    expect(e.message).toContain(idFrom("bbbb").slice(0, 8));
    expect(e.message).not.toContain("Joanna");
    expect(e.terminalOnly?.join("\n")).toContain("Joanna Fields");
    expect(err(() => resolveClient(all, "zzzzzz")).message).not.toContain("did you mean");
  });
});
