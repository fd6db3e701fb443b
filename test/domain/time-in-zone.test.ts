import { describe, expect, it } from "vitest";
import { timeInZone } from "../../src/domain/timezone.js";

describe("timeInZone: instants as the practice reads them", () => {
  it("shows date, time and the zone's short name", () => {
    expect(timeInZone("2026-12-01T18:42:54Z", "America/New_York")).toBe("2026-12-01 13:42 EST");
    expect(timeInZone("2026-07-01T00:30:00Z", "America/Los_Angeles")).toBe("2026-06-30 17:30 PDT");
    expect(timeInZone("2026-12-01T18:42:54Z", "UTC")).toBe("2026-12-01 18:42 UTC");
  });
  it("leaves what is not an instant as it is", () => {
    expect(timeInZone("soon", "UTC")).toBe("soon");
  });
});
