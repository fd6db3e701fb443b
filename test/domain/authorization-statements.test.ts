import { describe, expect, it } from "vitest";
import {
  HIPAA_DEFAULT,
  HIPAA_TOPICS,
  missingTopics,
  PART2_DEFAULT,
  PART2_TOPICS,
  practiceAddressee,
  statementParagraphs,
  statementsFor,
} from "../../src/domain/authorization-statements.js";

describe("authorization statements", () => {
  it("chart's wording says everything 164.508(c)(2) asks, each statement citing its rule", () => {
    expect(missingTopics(HIPAA_DEFAULT, HIPAA_TOPICS)).toEqual([]);
    expect(HIPAA_TOPICS.map((t) => t.rule)).toEqual(["45 CFR 164.508(c)(2)(i)", "45 CFR 164.508(c)(2)(ii)", "45 CFR 164.508(c)(2)(iii)"]);
    for (const [i, rule] of ["(c)(2)(i))", "(c)(2)(ii))", "(c)(2)(iii))"].entries()) expect(HIPAA_DEFAULT[i]).toContain(rule);
  });

  it("chart's Part 2 wording says every statement 42 CFR 2.31 (2024) asks", () => {
    expect(missingTopics(PART2_DEFAULT, PART2_TOPICS)).toEqual([]);
    expect(PART2_TOPICS.map((t) => t.rule)).toEqual(["42 CFR 2.31(a)(6)", "42 CFR 2.31(a)(4)(iii)", "42 CFR 2.31(a)(10)(i)", "42 CFR 2.31(a)(10)(ii)"]);
    const text = PART2_DEFAULT.join("\n");
    for (const cite of ["2.31(a)(6)", "2.31(a)(4)(iii)", "2.31(a)(10)(i)", "2.31(a)(10)(ii)"]) expect(text).toContain(cite);
    // (a)(6): in writing, how, and the reliance exception
    expect(PART2_DEFAULT[0]).toMatch(/in writing/);
    expect(PART2_DEFAULT[0]).toMatch(/by writing to \{practice\}/);
    expect(PART2_DEFAULT[0]).toMatch(/acted in reliance/);
    // (a)(4)(iii): the exception for proceedings against the patient
    expect(PART2_DEFAULT[1]).toMatch(/civil, criminal, administrative and legislative proceedings against you/);
  });

  it("a text that leaves a statement out is noticed", () => {
    const noRedisclosure = HIPAA_DEFAULT.slice(0, 2);
    expect(missingTopics(noRedisclosure, HIPAA_TOPICS).map((t) => t.rule)).toEqual(["45 CFR 164.508(c)(2)(iii)"]);
    expect(missingTopics(PART2_DEFAULT.filter((s) => !s.includes("(a)(10)(ii)")), PART2_TOPICS).map((t) => t.rule)).toEqual(["42 CFR 2.31(a)(10)(ii)"]);
  });

  it("records chart's wording without a practice text, Part 2's only for substance use; {practice} is the practice's name and address", () => {
    const plain = statementsFor(["demographics", "notes"], {});
    expect(plain).toMatchObject({ source: "chart", hipaaFrom: "chart" });
    expect(plain.statements).toHaveLength(3);
    expect(plain.statements[0]).toContain("by writing to the practice;");
    const p = { name: "Ellis Counseling, PLLC", address: "12 Main St\nSpringfield, IL 62701" };
    const sud = statementsFor(["demographics", "notes", "substance-use"], p);
    expect(sud.statements).toHaveLength(3 + PART2_DEFAULT.length);
    expect(sud.statements[0]).toContain("by writing to Ellis Counseling, PLLC, 12 Main St, Springfield, IL 62701;");
    expect(sud.statements.join(" ")).not.toContain("{practice}");
    expect(sud.part2From).toBe("chart");
  });

  it("uses the practice's own text when set, and a signed form's wording over both", () => {
    const practice = { name: "Ellis Counseling", statements: "Revoke in writing to {practice}.\n\nWe never condition care on this.\n\nRecipients may redisclose it.", part2Statements: "Part 2: revoke in writing to {practice}." };
    const r = statementsFor(["notes"], practice);
    expect(r).toMatchObject({ source: "practice", statements: ["Revoke in writing to Ellis Counseling.", "We never condition care on this.", "Recipients may redisclose it."] });
    const s = statementsFor(["notes", "substance-use"], practice);
    expect(s.statements.at(-1)).toBe("Part 2: revoke in writing to Ellis Counseling.");
    expect(s.part2From).toBe("practice");
    const onlyHipaa = statementsFor(["notes", "substance-use"], { statements: "Ours." });
    expect(onlyHipaa).toMatchObject({ hipaaFrom: "practice", part2From: "chart" });
    expect(onlyHipaa.statements.slice(1)).toEqual([...PART2_DEFAULT].map((x) => x.replaceAll("{practice}", "the practice")));
    expect(statementsFor(["notes"], practice, ["As signed."])).toMatchObject({ source: "form", statements: ["As signed."] });
  });

  it("paragraphs: blank lines separate, whitespace collapses; empty text and control characters are refused", () => {
    expect(statementParagraphs("a\nb\n\n\n  c  \r\n", "x")).toEqual(["a b", "c"]);
    expect(() => statementParagraphs(" \n\n ", "x")).toThrow(/empty/);
    expect(() => statementParagraphs("a\u202eb", "x")).toThrow(/control/);
    expect(practiceAddressee({})).toBe("the practice");
    expect(practiceAddressee({ clinician: "Jordan Ellis" })).toBe("Jordan Ellis");
  });
});
