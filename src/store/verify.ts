/**
 * What every command does after opening the chart: verify the history since the newest commit
 * this device verified (src/store/history.ts), check that .chart/ in the work tree is what was
 * verified, trust a first-seen set of device keys after showing their fingerprints, and bring
 * a chart made before signed history into it (docs/verifiable-history.md, "Upgrading").
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { invalid } from "../domain/errors.js";
import { writeFileAtomic } from "./atomic.js";
import { commitPaths, headCommit } from "./git.js";
import {
  changedChartFiles,
  chartFilesAt,
  descends,
  readAnchor,
  readHeadNative,
  rewoundError,
  verifyRange,
  writeAnchor,
  type HistoryProblem,
} from "./history.js";
import { readSignersPin, writeSignersPin } from "./pin.js";
import { parseRecipients } from "./recipients.js";
import type { Chart } from "./repo.js";
import { activeSigners, describeSigner, formatSigners, parseSigners, signersHash, SIGNERS_FILE } from "./signers.js";

export type Notice = (message: string) => void;

export const historyError = (problems: readonly HistoryProblem[]) =>
  invalid(
    "E_HISTORY_UNVERIFIED",
    `the chart's history has commits this device cannot accept: ${problems
      .slice(0, 3)
      .map((p) => p.message)
      .join("; ")}${problems.length > 3 ? ` (and ${problems.length - 3} more)` : ""}; nothing was read or written`,
    "see `chart fsck`; commits you made yourself with git can be reviewed and adopted with `chart fsck --adopt`; others: go back with `git reset --keep COMMIT` (docs/verifiable-history.md)",
  );

const chartFilesError = (files: readonly string[]) =>
  invalid(
    "E_CHART_FILES_CHANGED",
    `${files.join(", ")} changed without a signed commit; nothing was read or written`,
    "put back the verified files with `git checkout HEAD -- .chart`; keys change only through chart key add|remove|rotate",
  );

/** Verify history up to HEAD (cheap when nothing is new); throws when it cannot be accepted. */
export async function ensureVerified(chart: Chart, notice: Notice): Promise<void> {
  const head = await readHeadNative(chart.gitDir);
  const anchor = await readAnchor(chart.gitDir);
  if (head !== undefined && anchor?.commit === head) {
    const changed = await changedChartFiles(chart.root, anchor.files);
    if (changed.length) throw chartFilesError(changed);
    return;
  }
  const git = await chart.git();
  const tip = head ?? (await headCommit(git));
  if (!tip) return; // nothing committed yet
  if (anchor && !(await descends(git, anchor.commit, tip))) throw rewoundError(anchor.commit);
  const r = await verifyRange(git, anchor?.commit, tip, { verifiedAt: anchor?.commit });
  if (r.problems.length) throw historyError(r.problems);
  const files = await chartFilesAt(git, tip);
  const changed = await changedChartFiles(chart.root, files);
  if (changed.length) throw chartFilesError(changed);
  if (r.signersAtHead === undefined) {
    await upgradeUnsigned(chart, tip, notice);
    return;
  }
  const pinned = await readSignersPin(chart.gitDir);
  const signers = activeSigners(parseSigners(r.signersAtHead));
  if (pinned === undefined) {
    notice(
      `first use of this chart on this device: it trusts these device signing keys. Compare the fingerprints with another device of the chart (chart key show there), like an SSH host key:\n${signers.map((s) => `  ${describeSigner(s)}`).join("\n")}`,
    );
    await writeSignersPin(chart.gitDir, signersHash(r.signersAtHead));
  } else if (pinned !== signersHash(r.signersAtHead)) {
    notice("the chart's device signing keys changed (a key was added, removed or rotated elsewhere): check them with `chart key show`, then accept them with `chart key trust`");
  }
  await writeAnchor(chart.gitDir, { commit: tip, files });
}

/**
 * A chart written by a release without signed history: its history as it is now becomes the
 * trust anchor, and this device's signing key is committed (signed) as the first device key.
 */
async function upgradeUnsigned(chart: Chart, tip: string, notice: Notice): Promise<void> {
  const key = chart.signingKey;
  if (!key) return;
  notice(
    `this chart was written by an earlier chart without signed history: its history up to commit ${tip.slice(0, 12)} is accepted as it is, and from now on every commit is signed (docs/verifiable-history.md)`,
  );
  const { withWriteLock } = await import("./write-lock.js");
  const git = await chart.git();
  await withWriteLock(chart, async () => {
    if ((await headCommit(git)) !== tip) return; // another command upgraded it meanwhile
    const entries = parseRecipients(await readFile(join(chart.root, ".chart", "recipients"), "utf8"));
    const label = entries.find((e) => e.recipient === chart.identity.recipient)?.label ?? "";
    await writeFileAtomic(join(chart.root, SIGNERS_FILE), formatSigners([{ principal: chart.identity.recipient, publicKey: key.publicKey, label }]), 0o644);
    await commitPaths(git, [SIGNERS_FILE], "chart: sign history");
  });
  const text = await readFile(join(chart.root, SIGNERS_FILE), "utf8");
  chart.signers = parseSigners(text);
  chart.signersHash = signersHash(text);
  await writeSignersPin(chart.gitDir, chart.signersHash);
  const now = (await headCommit(git)) as string;
  await writeAnchor(chart.gitDir, { commit: now, files: await chartFilesAt(git, now) });
  notice(`this device signs as ${describeSigner(chart.signers[0] as (typeof chart.signers)[number])}`);
}
