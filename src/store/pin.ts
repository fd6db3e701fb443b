/**
 * Recipient pinning: this device remembers the set of keys it last agreed to encrypt for
 * (.git/chart/recipients.pin, local, never committed). If a pull changes .chart/recipients, for
 * instance adding a key this device never saw, chart refuses to encrypt anything until the user
 * looks at the new set and accepts it (`chart key trust`). A device with no pin yet (a fresh
 * clone) pins what it finds on its first write.
 */
import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { keyError } from "../domain/errors.js";
import { writeFileAtomic } from "./atomic.js";
import type { Chart } from "./repo.js";

const pinPath = (gitDir: string): string => join(gitDir, "chart", "recipients.pin");

export async function readPin(gitDir: string): Promise<string | undefined> {
  const text = await readFile(pinPath(gitDir), "utf8").catch(() => undefined);
  return text?.trim() || undefined;
}

export async function writePin(gitDir: string, hash: string): Promise<void> {
  await mkdir(join(gitDir, "chart"), { recursive: true, mode: 0o700 });
  await writeFileAtomic(pinPath(gitDir), `${hash}\n`, 0o600);
}

/**
 * The device signing keys (.chart/allowed_signers) are pinned the same way
 * (.git/chart/signers.pin): a set arriving from elsewhere is used to verify history (it was
 * signed by a device trusted before it), but this device writes nothing until the user
 * accepted it with `chart key trust`.
 */
const signersPinPath = (gitDir: string): string => join(gitDir, "chart", "signers.pin");

export async function readSignersPin(gitDir: string): Promise<string | undefined> {
  const text = await readFile(signersPinPath(gitDir), "utf8").catch(() => undefined);
  return text?.trim() || undefined;
}

export async function writeSignersPin(gitDir: string, hash: string): Promise<void> {
  await mkdir(join(gitDir, "chart"), { recursive: true, mode: 0o700 });
  await writeFileAtomic(signersPinPath(gitDir), `${hash}\n`, 0o600);
}

/** Before encrypting: the recipients this chart was opened with are the ones this device pinned. */
export async function assertPinned(chart: Pick<Chart, "gitDir" | "recipientsHash" | "signersHash" | "signers" | "signingKey" | "identity">): Promise<void> {
  if (chart.signersHash !== undefined) {
    const sp = await readSignersPin(chart.gitDir);
    if (sp === undefined) await writeSignersPin(chart.gitDir, chart.signersHash);
    else if (sp !== chart.signersHash) {
      throw keyError(
        "E_SIGNERS_CHANGED",
        "the chart's device signing keys (.chart/allowed_signers) changed since this device accepted them, perhaps by a pull; nothing was written",
        "compare their fingerprints (chart key show) with the other device, then accept them with `chart key trust`",
      );
    }
    const own = chart.signingKey;
    if (own && !chart.signers?.some((s) => s.pub.equals(own.pub) && s.validBefore === undefined)) {
      throw keyError(
        "E_NOT_A_SIGNER",
        "this device's signing key is not among the chart's device keys, so its commits would not verify; nothing was written",
        `on a device of this chart run: chart key add ${chart.identity.recipient} --signing-key "${own.publicKey}" --label LABEL`,
      );
    }
  }
  const pinned = await readPin(chart.gitDir);
  if (pinned === undefined) return writePin(chart.gitDir, chart.recipientsHash);
  if (pinned !== chart.recipientsHash) {
    throw keyError(
      "E_RECIPIENTS_CHANGED",
      "the chart's keys (.chart/recipients) changed since this device last wrote, perhaps by a pull; nothing was written",
      "check them with `chart key show` and `git log -p .chart/recipients`, then accept them with `chart key trust`",
    );
  }
}
