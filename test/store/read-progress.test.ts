import { describe, expect, it } from "vitest";
import { progressOf } from "../../src/store/read-progress.js";

describe("progress over a read made of several reads", () => {
  it("counts over the whole total and completes once, at the end", () => {
    const seen: [number, number][] = [];
    const step = progressOf((done, total) => seen.push([done, total]), 10);
    step?.(3); // a first batch's cached records
    step?.(0); // nothing: no call
    step?.(4);
    step?.(5); // never past the total
    step?.(0, true);
    expect(seen).toEqual([[3, 10], [7, 10], [10, 10], [10, 10]]);
  });

  it("is absent without a hook or without anything to read", () => {
    expect(progressOf(undefined, 10)).toBeUndefined();
    expect(progressOf(() => undefined, 0)).toBeUndefined();
  });
});
