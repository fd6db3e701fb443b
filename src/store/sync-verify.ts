/**
 * What `chart sync` and `chart join` check BEFORE integrating anything (docs/verifiable-history.md,
 * "Sync and join"): this device's own history since the newest commit it verified (no rewind, no
 * commit it cannot accept, so nothing bad is pushed either), then every commit that arrived: signed
 * by a device trusted at that point and not removed before what this device verified, `.chart/`
 * (keys, MAC key) changed only by a signed key change. On a refusal the branch, index and work
 * tree are as they were; the fetched remote ref stays for inspection.
 */
import { ChartError } from "../domain/errors.js";
import type { Git } from "./git.js";
import { catFileBatch } from "./git-objects.js";
import { chartFilesAt, descends, readAnchor, rewoundError, verifyRange, writeAnchor, type HistoryProblem } from "./history.js";
import { activeSigners, parseSigners, SIGNERS_FILE, type SignerEntry } from "./signers.js";
import { historyError } from "./verify.js";

const short = (c: string): string => c.slice(0, 12);

/** The arriving commits this device refuses, each named with why. */
export function arrivingError(problems: readonly HistoryProblem[], where: string, inspect: string): ChartError {
  const list = problems
    .slice(0, 3)
    .map((p) => `${p.message} [${p.code}]`)
    .join("; ");
  const more = problems.length > 3 ? ` (and ${problems.length - 3} more)` : "";
  return new ChartError(
    "invalid",
    "E_SYNC_HISTORY_REFUSED",
    `${where} has commits this device cannot accept: ${list}${more}; nothing was integrated, this device's branch and files are as they were`,
    `inspect them with: git -c gpg.ssh.allowedSignersFile=.chart/allowed_signers log --show-signature ${inspect}; a device of the chart must undo them there (see docs/verifiable-history.md)`,
    { commits: problems.map((p) => ({ commit: p.commit, code: p.code })) },
  );
}

/** This device's history since the commit it verified: no rewind, nothing it cannot accept. */
export async function verifyLocal(git: Git, gitDir: string, head: string): Promise<void> {
  const anchor = await readAnchor(gitDir);
  if (anchor?.commit === head) return;
  if (anchor && !(await descends(git, anchor.commit, head))) throw rewoundError(anchor.commit);
  const r = await verifyRange(git, anchor?.commit, head, { verifiedAt: anchor?.commit });
  if (r.problems.length) throw historyError(r.problems);
}

/**
 * Every commit in `tip` that HEAD does not have, checked against history as this device verified
 * it (`head`). Throws E_SYNC_HISTORY_REFUSED naming the commits and why.
 */
export async function verifyArriving(git: Git, head: string, tip: string, remoteRef: string): Promise<number> {
  const r = await verifyRange(git, head, tip, { verifiedAt: head });
  if (r.problems.length) throw arrivingError(r.problems, `the remote's branch (${remoteRef} at ${short(tip)})`, `HEAD..${remoteRef}`);
  return r.checked;
}

/**
 * A first clone: the whole history from the first commit, before anything is checked out. What it
 * trusts is the device keys at the tip: the caller prints their fingerprints to compare with
 * another device, like an SSH host key. The tip becomes this device's verified commit.
 */
export async function verifyClone(git: Git, gitDir: string, tip: string, remoteRef: string): Promise<SignerEntry[]> {
  const r = await verifyRange(git, undefined, tip);
  if (r.problems.length) throw arrivingError(r.problems, `the cloned chart (${remoteRef} at ${short(tip)})`, remoteRef);
  const text = (await catFileBatch(git, [`${tip}:${SIGNERS_FILE}`])).get(`${tip}:${SIGNERS_FILE}`)?.data.toString("utf8");
  await writeAnchor(gitDir, { commit: tip, files: await chartFilesAt(git, tip) });
  return text === undefined ? [] : activeSigners(parseSigners(text));
}
