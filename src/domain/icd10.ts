/**
 * ICD-10-CM codes: format validation, normalisation, a table of common mental and behavioural
 * codes with their official descriptions, and the sensitivity labels a code implies.
 *
 * The table is a convenience (it fills in descriptions), not a code set: a well-formed code
 * that is not in it is accepted with a warning. It holds codes that have been valid and
 * unchanged in ICD-10-CM from FY2023 on; codes that a recent release split (for example the
 * FY2025 eating-disorder severity codes) are left out rather than risk a wrong description.
 */
import { invalid } from "./errors.js";
import type { Label } from "./labels.js";

/**
 * A letter, a digit, a letter or digit; then optionally a dot and one to four more. The one
 * category whose second character is a letter, QA0 (FY2026), is allowed by name.
 */
const FORMAT_RE = /^([A-Z][0-9][0-9A-Z]|QA[0-9])(?:\.?([0-9A-Z]{1,4}))?$/;

/** Normalise a code (upper case, no spaces, a dot after the third character) or return null. */
export function normaliseIcd10(input: string): string | null {
  const s = input.trim().toUpperCase();
  const m = FORMAT_RE.exec(s);
  if (!m) return null;
  return m[2] ? `${m[1]}.${m[2]}` : (m[1] as string);
}

export const isIcd10 = (input: string): boolean => normaliseIcd10(input) !== null;

/** Normalise or refuse (exit 3). The message names the input the user typed, nothing stored. */
export function parseIcd10(input: string): string {
  const code = normaliseIcd10(input);
  if (code === null) {
    const shown = input.trim().slice(0, 20);
    throw invalid(
      "E_BAD_CODE",
      `"${shown}" is not an ICD-10-CM code`,
      "codes are a letter, a digit, a letter or digit, then optionally a dot and up to four more, e.g. F41.1 or F10.20",
    );
  }
  return code;
}

/** The three-character category of a normalised code ("F41.1" -> "F41"). */
export const icd10Category = (code: string): string => code.slice(0, 3);

/**
 * Codes (or code prefixes: every code below them) that identify substance use disorder
 * information, besides the substance-related disorders F10-F19 (without F17, nicotine:
 * 42 CFR 2.11 excludes tobacco and caffeine from "substance use disorder"):
 * - Z71.41 alcohol abuse counseling and surveillance of alcoholic,
 * - Z71.51 drug abuse counseling and surveillance of drug abuser,
 * - O99.31- alcohol use and O99.32- drug use complicating pregnancy, childbirth and the puerperium,
 * - O35.4- / O35.5- maternal care for (suspected) damage to fetus from alcohol / drugs.
 * Counseling of a *family member* (Z71.42, Z71.52) is about someone else and is not labelled.
 */
export const SUD_CODE_PREFIXES: readonly string[] = ["Z71.41", "Z71.51", "O99.31", "O99.32", "O35.4", "O35.5"];

/**
 * Codes (or prefixes) that reveal HIV status: B20 HIV disease, Z21 asymptomatic HIV infection
 * status, B97.35 HIV-2 as the cause of disease, O98.7- HIV disease complicating pregnancy, R75 inconclusive laboratory evidence of
 * HIV, Z20.6 contact with and (suspected) exposure to HIV, Z71.7 HIV counseling, Z11.4
 * encounter for screening for HIV.
 */
export const HIV_CODE_PREFIXES: readonly string[] = ["B20", "Z21", "B97.35", "O98.7", "R75", "Z20.6", "Z71.7", "Z11.4"];

/** Whether a normalised code is `prefix` or below it ("O99.310" is under "O99.31"; "F41.1" is not under "F41.10"). */
const under = (code: string, prefix: string): boolean => code === prefix || (code.startsWith(prefix) && (prefix.length > 3 || code[3] === "."));

/**
 * Sensitivity labels a code implies: SUD for substance use disorder codes (F10-F19 except
 * F17, and SUD_CODE_PREFIXES), HIV for HIV_CODE_PREFIXES, and the labels the table lists
 * (abuse, neglect and violence codes carry SDV).
 */
export function impliedLabels(code: string): Label[] {
  const cat = icd10Category(code);
  const c = code.toUpperCase();
  const out = new Set<Label>();
  if (/^F1[0-9]$/.test(cat) && cat !== "F17") out.add("SUD");
  if (SUD_CODE_PREFIXES.some((p) => under(c, p))) out.add("SUD");
  if (HIV_CODE_PREFIXES.some((p) => under(c, p))) out.add("HIV");
  for (const l of ICD10_COMMON[code]?.labels ?? []) out.add(l);
  return [...out].sort();
}

export interface Icd10Entry {
  description: string;
  labels?: Label[];
}

const SDV: Label[] = ["SDV"];

const d = (description: string, labels?: Label[]): Icd10Entry => (labels ? { description, labels } : { description });

/** Common mental, behavioural and psychosocial codes (official ICD-10-CM descriptions). */
export const ICD10_COMMON: Readonly<Record<string, Icd10Entry>> = {
  // F10-F19 substance-related disorders (SUD, except F17)
  "F10.10": d("Alcohol abuse, uncomplicated"),
  "F10.11": d("Alcohol abuse, in remission"),
  "F10.20": d("Alcohol dependence, uncomplicated"),
  "F10.21": d("Alcohol dependence, in remission"),
  "F10.230": d("Alcohol dependence with withdrawal, uncomplicated"),
  "F10.239": d("Alcohol dependence with withdrawal, unspecified"),
  "F10.90": d("Alcohol use, unspecified, uncomplicated"),
  "F10.91": d("Alcohol use, unspecified, in remission"),
  "F11.10": d("Opioid abuse, uncomplicated"),
  "F11.11": d("Opioid abuse, in remission"),
  "F11.20": d("Opioid dependence, uncomplicated"),
  "F11.21": d("Opioid dependence, in remission"),
  "F11.23": d("Opioid dependence with withdrawal"),
  "F11.90": d("Opioid use, unspecified, uncomplicated"),
  "F12.10": d("Cannabis abuse, uncomplicated"),
  "F12.11": d("Cannabis abuse, in remission"),
  "F12.20": d("Cannabis dependence, uncomplicated"),
  "F12.21": d("Cannabis dependence, in remission"),
  "F12.90": d("Cannabis use, unspecified, uncomplicated"),
  "F13.10": d("Sedative, hypnotic or anxiolytic abuse, uncomplicated"),
  "F13.20": d("Sedative, hypnotic or anxiolytic dependence, uncomplicated"),
  "F13.21": d("Sedative, hypnotic or anxiolytic dependence, in remission"),
  "F14.10": d("Cocaine abuse, uncomplicated"),
  "F14.20": d("Cocaine dependence, uncomplicated"),
  "F14.21": d("Cocaine dependence, in remission"),
  "F15.10": d("Other stimulant abuse, uncomplicated"),
  "F15.20": d("Other stimulant dependence, uncomplicated"),
  "F15.21": d("Other stimulant dependence, in remission"),
  "F16.10": d("Hallucinogen abuse, uncomplicated"),
  "F16.20": d("Hallucinogen dependence, uncomplicated"),
  "F17.200": d("Nicotine dependence, unspecified, uncomplicated"),
  "F17.210": d("Nicotine dependence, cigarettes, uncomplicated"),
  "F17.211": d("Nicotine dependence, cigarettes, in remission"),
  "F18.10": d("Inhalant abuse, uncomplicated"),
  "F18.20": d("Inhalant dependence, uncomplicated"),
  "F19.10": d("Other psychoactive substance abuse, uncomplicated"),
  "F19.20": d("Other psychoactive substance dependence, uncomplicated"),
  "F19.90": d("Other psychoactive substance use, unspecified, uncomplicated"),

  // F20-F29 schizophrenia spectrum and other psychotic disorders
  "F20.0": d("Paranoid schizophrenia"),
  "F20.9": d("Schizophrenia, unspecified"),
  F21: d("Schizotypal disorder"),
  F22: d("Delusional disorders"),
  F23: d("Brief psychotic disorder"),
  "F25.0": d("Schizoaffective disorder, bipolar type"),
  "F25.1": d("Schizoaffective disorder, depressive type"),
  "F25.9": d("Schizoaffective disorder, unspecified"),
  F29: d("Unspecified psychosis not due to a substance or known physiological condition"),

  // F30-F39 mood disorders
  "F31.0": d("Bipolar disorder, current episode hypomanic"),
  "F31.10": d("Bipolar disorder, current episode manic without psychotic features, unspecified"),
  "F31.2": d("Bipolar disorder, current episode manic severe with psychotic features"),
  "F31.30": d("Bipolar disorder, current episode depressed, mild or moderate severity, unspecified"),
  "F31.31": d("Bipolar disorder, current episode depressed, mild"),
  "F31.32": d("Bipolar disorder, current episode depressed, moderate"),
  "F31.4": d("Bipolar disorder, current episode depressed, severe, without psychotic features"),
  "F31.5": d("Bipolar disorder, current episode depressed, severe, with psychotic features"),
  "F31.60": d("Bipolar disorder, current episode mixed, unspecified"),
  "F31.70": d("Bipolar disorder, currently in remission, most recent episode unspecified"),
  "F31.81": d("Bipolar II disorder"),
  "F31.9": d("Bipolar disorder, unspecified"),
  "F32.0": d("Major depressive disorder, single episode, mild"),
  "F32.1": d("Major depressive disorder, single episode, moderate"),
  "F32.2": d("Major depressive disorder, single episode, severe without psychotic features"),
  "F32.3": d("Major depressive disorder, single episode, severe with psychotic features"),
  "F32.4": d("Major depressive disorder, single episode, in partial remission"),
  "F32.5": d("Major depressive disorder, single episode, in full remission"),
  "F32.81": d("Premenstrual dysphoric disorder"),
  "F32.89": d("Other specified depressive episodes"),
  "F32.9": d("Major depressive disorder, single episode, unspecified"),
  "F32.A": d("Depression, unspecified"),
  "F33.0": d("Major depressive disorder, recurrent, mild"),
  "F33.1": d("Major depressive disorder, recurrent, moderate"),
  "F33.2": d("Major depressive disorder, recurrent severe without psychotic features"),
  "F33.3": d("Major depressive disorder, recurrent, severe with psychotic symptoms"),
  "F33.40": d("Major depressive disorder, recurrent, in remission, unspecified"),
  "F33.41": d("Major depressive disorder, recurrent, in partial remission"),
  "F33.42": d("Major depressive disorder, recurrent, in full remission"),
  "F33.8": d("Other recurrent depressive disorders"),
  "F33.9": d("Major depressive disorder, recurrent, unspecified"),
  "F34.0": d("Cyclothymic disorder"),
  "F34.1": d("Dysthymic disorder"),
  "F34.81": d("Disruptive mood dysregulation disorder"),
  F39: d("Unspecified mood [affective] disorder"),

  // F40-F48 anxiety, obsessive-compulsive, trauma- and stressor-related, dissociative, somatic
  "F40.00": d("Agoraphobia, unspecified"),
  "F40.01": d("Agoraphobia with panic disorder"),
  "F40.10": d("Social phobia, unspecified"),
  "F40.11": d("Social phobia, generalized"),
  "F40.9": d("Phobic anxiety disorder, unspecified"),
  "F41.0": d("Panic disorder [episodic paroxysmal anxiety]"),
  "F41.1": d("Generalized anxiety disorder"),
  "F41.3": d("Other mixed anxiety disorders"),
  "F41.8": d("Other specified anxiety disorders"),
  "F41.9": d("Anxiety disorder, unspecified"),
  "F42.2": d("Mixed obsessional thoughts and acts"),
  "F42.3": d("Hoarding disorder"),
  "F42.4": d("Excoriation (skin-picking) disorder"),
  "F42.8": d("Other obsessive-compulsive disorder"),
  "F42.9": d("Obsessive-compulsive disorder, unspecified"),
  "F43.0": d("Acute stress reaction"),
  "F43.10": d("Post-traumatic stress disorder, unspecified"),
  "F43.11": d("Post-traumatic stress disorder, acute"),
  "F43.12": d("Post-traumatic stress disorder, chronic"),
  "F43.20": d("Adjustment disorder, unspecified"),
  "F43.21": d("Adjustment disorder with depressed mood"),
  "F43.22": d("Adjustment disorder with anxiety"),
  "F43.23": d("Adjustment disorder with mixed anxiety and depressed mood"),
  "F43.24": d("Adjustment disorder with disturbance of conduct"),
  "F43.25": d("Adjustment disorder with mixed disturbance of emotions and conduct"),
  "F43.29": d("Adjustment disorder with other symptoms"),
  "F43.81": d("Prolonged grief disorder"),
  "F43.89": d("Other reactions to severe stress"),
  "F43.9": d("Reaction to severe stress, unspecified"),
  "F44.81": d("Dissociative identity disorder"),
  "F44.9": d("Dissociative and conversion disorder, unspecified"),
  "F45.1": d("Undifferentiated somatoform disorder"),
  "F45.21": d("Hypochondriasis"),
  "F45.22": d("Body dysmorphic disorder"),
  "F45.9": d("Somatoform disorder, unspecified"),
  "F48.1": d("Depersonalization-derealization syndrome"),

  // F50-F59 eating, sleep, postpartum
  "F50.82": d("Avoidant/restrictive food intake disorder"),
  "F50.9": d("Eating disorder, unspecified"),
  "F51.01": d("Primary insomnia"),
  "F51.05": d("Insomnia due to other mental disorder"),
  "F51.5": d("Nightmare disorder"),
  "F53.0": d("Postpartum depression"),

  // F60-F69 personality and impulse-control disorders
  "F60.0": d("Paranoid personality disorder"),
  "F60.1": d("Schizoid personality disorder"),
  "F60.2": d("Antisocial personality disorder"),
  "F60.3": d("Borderline personality disorder"),
  "F60.4": d("Histrionic personality disorder"),
  "F60.5": d("Obsessive-compulsive personality disorder"),
  "F60.6": d("Avoidant personality disorder"),
  "F60.7": d("Dependent personality disorder"),
  "F60.81": d("Narcissistic personality disorder"),
  "F60.89": d("Other specific personality disorders"),
  "F60.9": d("Personality disorder, unspecified"),
  "F63.0": d("Pathological gambling"),
  "F63.3": d("Trichotillomania"),
  "F63.81": d("Intermittent explosive disorder"),

  // F80-F99 neurodevelopmental and childhood-onset
  "F84.0": d("Autistic disorder"),
  "F90.0": d("Attention-deficit hyperactivity disorder, predominantly inattentive type"),
  "F90.1": d("Attention-deficit hyperactivity disorder, predominantly hyperactive type"),
  "F90.2": d("Attention-deficit hyperactivity disorder, combined type"),
  "F90.8": d("Attention-deficit hyperactivity disorder, other type"),
  "F90.9": d("Attention-deficit hyperactivity disorder, unspecified type"),
  "F91.3": d("Oppositional defiant disorder"),
  "F91.9": d("Conduct disorder, unspecified"),
  "F93.0": d("Separation anxiety disorder of childhood"),
  "F94.1": d("Reactive attachment disorder of childhood"),
  "F95.2": d("Tourette's disorder"),
  F99: d("Mental disorder, not otherwise specified"),

  // Other codes often used in behavioural health
  "G47.00": d("Insomnia, unspecified"),
  "R45.851": d("Suicidal ideations"),
  B20: d("Human immunodeficiency virus [HIV] disease"),
  Z21: d("Asymptomatic human immunodeficiency virus [HIV] infection status"),

  // Z codes: psychosocial circumstances, history, encounters
  "Z03.89": d("Encounter for observation for other suspected diseases and conditions ruled out"),
  "Z56.0": d("Unemployment, unspecified"),
  "Z56.9": d("Unspecified problems related to employment"),
  "Z59.00": d("Homelessness, unspecified"),
  "Z59.01": d("Sheltered homelessness"),
  "Z59.02": d("Unsheltered homelessness"),
  "Z60.0": d("Problems of adjustment to life-cycle transitions"),
  "Z62.810": d("Personal history of physical and sexual abuse in childhood", SDV),
  "Z62.811": d("Personal history of psychological abuse in childhood", SDV),
  "Z62.812": d("Personal history of neglect in childhood", SDV),
  "Z62.820": d("Parent-biological child conflict"),
  "Z63.0": d("Problems in relationship with spouse or partner"),
  "Z63.4": d("Disappearance and death of family member"),
  "Z63.5": d("Disruption of family by separation and divorce"),
  "Z63.8": d("Other specified problems related to primary support group"),
  "Z65.8": d("Other specified problems related to psychosocial circumstances"),
  "Z65.9": d("Problem related to unspecified psychosocial circumstances"),
  "Z71.89": d("Other specified counseling"),
  "Z91.51": d("Personal history of suicidal behavior"),
  "Z91.52": d("Personal history of nonsuicidal self-harm"),
};

export const describeIcd10 = (code: string): string | undefined => ICD10_COMMON[code]?.description;

/** Known codes in the same category, for a hint when a category or unknown code is given. */
export function siblingCodes(code: string, max = 4): string[] {
  const cat = icd10Category(code);
  return Object.keys(ICD10_COMMON)
    .filter((c) => c !== code && icd10Category(c) === cat)
    .sort()
    .slice(0, max);
}
