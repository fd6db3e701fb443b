/**
 * .chart/practice.age: the practice profile (see src/domain/practice.ts), encrypted to the
 * chart's keys like every record, with a MAC over its content and path (so a file copied from
 * another chart or edited outside chart is refused), committed with its own message.
 * `chart key` re-encryption carries it along (src/store/rekey.ts).
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { canonicalJson } from "../domain/canonical.js";
import { invalid, keyError } from "../domain/errors.js";
import { checkPractice, PRACTICE_FIELDS, type Practice } from "../domain/practice.js";
import type { Cipher } from "./age.js";
import { writeFileAtomic } from "./atomic.js";
import { commitPaths } from "./git.js";
import { readFailure } from "./read-error.js";
import type { Chart } from "./repo.js";
import { withWriteLock } from "./write-lock.js";

export const PRACTICE_PATH = ".chart/practice.age";
const MAC_PREFIX = "hmac-sha256:";

function mac(fields: Practice, macKey: Uint8Array): string {
  const h = createHmac("sha256", macKey);
  h.update(`chart-mac-1\n${PRACTICE_PATH}\n`);
  h.update(canonicalJson({ chart: 1, kind: "practice", ...fields }));
  return MAC_PREFIX + h.digest("hex");
}

/** The plaintext of the file: YAML with the envelope fields and the MAC. */
export function practiceText(p: Practice, macKey: Uint8Array): string {
  const fields: Practice = {};
  for (const f of PRACTICE_FIELDS) if (p[f] !== undefined) fields[f] = p[f];
  return stringify({ chart: 1, kind: "practice", ...fields, mac: mac(fields, macKey) }, { lineWidth: 0 });
}

/** Parse and verify decrypted text. */
export function parsePracticeText(text: string, macKey: Uint8Array): Practice {
  let data: unknown;
  try {
    data = parse(text, { schema: "core", uniqueKeys: true, prettyErrors: false, logLevel: "error" });
  } catch {
    throw invalid("E_MALFORMED", `${PRACTICE_PATH}: malformed YAML`, "restore it from git history (git log -- .chart/practice.age)");
  }
  const r = (data ?? {}) as Record<string, unknown>;
  if (r.chart !== 1 || r.kind !== "practice") throw invalid("E_MALFORMED", `${PRACTICE_PATH}: not a practice profile`);
  const practice = checkPractice(r);
  const given = typeof r.mac === "string" ? Buffer.from(r.mac) : Buffer.alloc(0);
  const expected = Buffer.from(mac(practice, macKey));
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw invalid("E_BAD_MAC", `${PRACTICE_PATH}: the MAC does not match (edited outside chart, or from another chart)`, "restore it from git history, or set it again with chart practice set");
  }
  return practice;
}

/** The profile, or an empty one when none was set. */
export async function readPractice(chart: Chart): Promise<Practice> {
  let data: Uint8Array;
  try {
    data = await readFile(join(chart.root, PRACTICE_PATH));
  } catch (e) {
    // Only a truly absent profile is "none set"; anything else is named.
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return {};
    throw readFailure(PRACTICE_PATH, e);
  }
  return decryptPractice(chart.cipher, data, chart.macKey);
}

export async function decryptPractice(cipher: Cipher, data: Uint8Array, macKey: Uint8Array): Promise<Practice> {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(await cipher.decrypt(data));
  } catch {
    throw keyError("E_DECRYPT", `${PRACTICE_PATH} cannot be decrypted (corrupted, or not encrypted to this identity)`, "restore it from git history (git checkout -- .chart/practice.age)");
  }
  return parsePracticeText(text, macKey);
}

/** Write the profile (encrypted) and commit it, under the writer lock; an empty profile removes the file. */
export async function writePractice(chart: Chart, p: Practice, message = "chart: practice profile"): Promise<void> {
  const empty = PRACTICE_FIELDS.every((f) => p[f] === undefined);
  const data = empty ? undefined : await chart.cipher.encrypt(practiceText(p, chart.macKey));
  const git = await chart.git();
  await withWriteLock(chart, async () => {
    const path = join(chart.root, PRACTICE_PATH);
    const before = await readFile(path).catch(() => undefined);
    if (!data && before === undefined) return; // nothing set, nothing to remove
    try {
      if (data) await writeFileAtomic(path, data, 0o600);
      else await rm(path, { force: true });
      await commitPaths(git, [PRACTICE_PATH], message);
    } catch (e) {
      await git.raw(["reset", "--quiet", "--", PRACTICE_PATH]).catch(() => undefined);
      if (before === undefined) await rm(path, { force: true });
      else await writeFileAtomic(path, before, 0o600);
      throw e;
    }
  });
}
