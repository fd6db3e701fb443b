/**
 * RxNorm ingredient concepts (RxCUI, term type IN) for common psychiatric medications, so a
 * MedicationStatement carries a code a receiving system can match, besides the name as typed.
 * Each entry was cross-checked against public sources (docs/bundle-format.md, MedicationStatement).
 * A medication is coded only when its name starts with the ingredient's name as a whole word
 * ("Sertraline 50 mg" -> sertraline); anything else stays text only: no code is guessed.
 */
export const RXNORM_SYSTEM = "http://www.nlm.nih.gov/research/umls/rxnorm";

export const RXNORM_INGREDIENTS: Readonly<Record<string, string>> = {
  alprazolam: "596",
  aripiprazole: "89013",
  atomoxetine: "38400",
  buprenorphine: "1819",
  bupropion: "42347",
  buspirone: "1827",
  citalopram: "2556",
  clonazepam: "2598",
  clozapine: "2626",
  desvenlafaxine: "734064",
  duloxetine: "72625",
  escitalopram: "321988",
  fluoxetine: "4493",
  gabapentin: "25480",
  haloperidol: "5093",
  hydroxyzine: "5553",
  lamotrigine: "28439",
  "lithium carbonate": "42351",
  lorazepam: "6470",
  methylphenidate: "6901",
  mirtazapine: "15996",
  naltrexone: "7243",
  olanzapine: "61381",
  paroxetine: "32937",
  prazosin: "8629",
  quetiapine: "51272",
  risperidone: "35636",
  sertraline: "36437",
  trazodone: "10737",
  venlafaxine: "39786",
  zolpidem: "39993",
};

/** The ingredient coding for a medication name, or undefined. */
export function rxnormFor(name: string): { code: string; display: string } | undefined {
  const n = name.trim().toLowerCase();
  let best: string | undefined;
  for (const ing of Object.keys(RXNORM_INGREDIENTS)) {
    if (n === ing || n.startsWith(`${ing} `)) if (!best || ing.length > best.length) best = ing;
  }
  return best ? { code: RXNORM_INGREDIENTS[best] as string, display: best } : undefined;
}
