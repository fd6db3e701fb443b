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

/** Before encrypting: the recipients this chart was opened with are the ones this device pinned. */
export async function assertPinned(chart: Pick<Chart, "gitDir" | "recipientsHash">): Promise<void> {
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
