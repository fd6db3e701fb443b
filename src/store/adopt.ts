/**
 * Adopting commits made outside chart (plain git: a hand edit, a merge by `git pull`): the
 * user reviews what they changed, and one signed commit on top names them in a
 * `Chart-Adopts:` trailer, so every device accepts them from then on. Never silent, never for
 * commits that change .chart/ (keys change only through chart key) or are signed by another key.
 */
import { conflict, invalid } from "../domain/errors.js";
import { parseRecordPath } from "../domain/record.js";
import { advanceHead, commitTree, headCommit } from "./git.js";
import { ADOPT_TRAILER, descends, readAnchor, verifyRange } from "./history.js";
import { readRecordAt } from "./records.js";
import type { Chart } from "./repo.js";
import { treeChanges } from "./worktree.js";
import { withWriteLock } from "./write-lock.js";

export interface AdoptPlan {
  head: string;
  commits: { commit: string; subject: string; changes: { status: string; path: string }[] }[];
}

/** What adopting would accept; refuses when something cannot be adopted. */
export async function planAdoption(chart: Chart): Promise<AdoptPlan> {
  const git = await chart.git();
  const head = await headCommit(git);
  if (!head) throw invalid("E_NOTHING_TO_ADOPT", "the chart has no commits");
  const anchor = await readAnchor(chart.gitDir);
  const forward = anchor ? await descends(git, anchor.commit, head) : false;
  const r = await verifyRange(git, undefined, head, { verifiedAt: forward ? anchor?.commit : undefined });
  const other = r.problems.filter((p) => p.code !== "E_UNSIGNED");
  if (other.length) {
    throw invalid(
      "E_CANNOT_ADOPT",
      `these commits cannot be adopted: ${other.slice(0, 3).map((p) => p.message).join("; ")}`,
      "undo them (git revert COMMIT, or git reset --keep to the last good commit); keys change only through chart key add|remove|rotate",
    );
  }
  const commits: AdoptPlan["commits"] = [];
  for (const c of r.unadopted) {
    const subject = (await git.raw(["log", "-1", "--format=%s", c])).trim();
    const diff = await git.raw(["diff-tree", "-r", "--no-commit-id", "--name-status", "--no-renames", "-z", "--root", "-m", "--first-parent", c]);
    const parts = diff.split("\0").filter((x) => x !== "");
    const changes: { status: string; path: string }[] = [];
    for (let i = 0; i + 1 < parts.length; i += 2) changes.push({ status: parts[i] as string, path: parts[i + 1] as string });
    commits.push({ commit: c, subject, changes });
  }
  return { head, commits };
}

/** Verify the records the adopted commits added or changed, then commit the adoption (signed). */
export async function adopt(chart: Chart, plan: AdoptPlan): Promise<string> {
  const git = await chart.git();
  if (plan.commits.length === 0) throw invalid("E_NOTHING_TO_ADOPT", "every commit in the chart's history was made by chart");
  return withWriteLock(chart, async () => {
    if ((await headCommit(git)) !== plan.head) throw invalid("E_MOVED", "the chart changed while adopting; nothing was written", "run chart fsck --adopt again");
    const dirty = await treeChanges(git, ["clients", ".chart"]);
    if (dirty.length) throw conflict("E_DIRTY", "the work tree differs from the last commit; nothing was adopted", "see chart fsck");
    const touched = new Set<string>();
    for (const c of plan.commits) for (const ch of c.changes) if (ch.status !== "D" && parseRecordPath(ch.path)) touched.add(ch.path);
    for (const path of touched) {
      // Present at HEAD (not deleted again later): it must decrypt and verify.
      const there = await git.raw(["ls-files", "--", path]);
      if (there.trim() !== "") await readRecordAt(chart, path);
    }
    const tree = (await git.raw(["rev-parse", `${plan.head}^{tree}`])).trim();
    const message = `chart: adopt commits\n\n${ADOPT_TRAILER} ${plan.commits.map((c) => c.commit).join(" ")}\n`;
    const commit = await commitTree(git, { tree, parents: [plan.head], message });
    await advanceHead(git, commit, plan.head, "chart: adopt commits");
    return commit;
  });
}
