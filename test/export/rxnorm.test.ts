/** The RxNorm table of common psychiatric medications, pinned as cross-checked (docs/bundle-format.md, MedicationStatement). */
import { describe, expect, it } from "vitest";
import { RXNORM_INGREDIENTS, rxnormFor } from "../../src/export/rxnorm.js";

/** Confirmed by CPIC's drug table (cpicpgx/cpic-schema drug.sql). */
const CPIC: Record<string, string> = {
  aripiprazole: "89013", atomoxetine: "38400", bupropion: "42347", citalopram: "2556", clozapine: "2626", duloxetine: "72625",
  escitalopram: "321988", fluoxetine: "4493", haloperidol: "5093", lamotrigine: "28439", methylphenidate: "6901", mirtazapine: "15996",
  naltrexone: "7243", olanzapine: "61381", paroxetine: "32937", risperidone: "35636", sertraline: "36437", venlafaxine: "39786",
};
/** Confirmed by hand-made public tables only (one or two agreeing). */
const TABLES: Record<string, string> = { alprazolam: "596", clonazepam: "2598", lorazepam: "6470", quetiapine: "51272", trazodone: "10737", zolpidem: "39993", gabapentin: "25480", buspirone: "1827" };
/** Not confirmed from a reachable source (to check against RxNav). */
const UNCONFIRMED: Record<string, string> = { buprenorphine: "1819", desvenlafaxine: "734064", hydroxyzine: "5553", "lithium carbonate": "42351", prazosin: "8629" };

describe("RxNorm ingredient table", () => {
  it("is exactly the cross-checked table, every entry accounted for", () => {
    expect(RXNORM_INGREDIENTS).toEqual({ ...CPIC, ...TABLES, ...UNCONFIRMED });
  });

  it("codes a name only when it starts with the ingredient as a whole word, the longest match winning", () => {
    expect(rxnormFor("Sertraline 50 mg")).toEqual({ code: "36437", display: "sertraline" });
    expect(rxnormFor("lithium carbonate ER")).toEqual({ code: "42351", display: "lithium carbonate" });
    expect(rxnormFor("lithium")).toBeUndefined();
    expect(rxnormFor("sertralinex")).toBeUndefined();
    expect(rxnormFor("Zoloft")).toBeUndefined();
  });
});
