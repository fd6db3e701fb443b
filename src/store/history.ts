/**
 * Verifiable history (docs/verifiable-history.md). Each device remembers the newest commit it
 * verified (.git/chart/verified, local). Before a command uses the chart, the commits since then
 * are checked: each signed (SSH signature, namespace "git") by a device whose key was in
 * .chart/allowed_signers before that commit; .chart/ changed only by a key change; nothing
 * unsigned unless a later signed commit adopted it (`chart fsck --adopt`). History that does
 * not descend from the remembered commit (a rewind or a rewrite) is refused. With nothing new,
 * the check is a few file reads and hashes: no git process, no tree walk.
 */
import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { invalid } from "../domain/errors.js";
import { writeFileAtomic } from "./atomic.js";
import type { Git } from "./git.js";
import { blobOid, catFileBatch, readHeadNative } from "./git-objects.js";
import { checkCommitSignature, parseCommit, type ParsedCommit } from "./signed-commit.js";
import { activeSigners, parseSigners, SIGNERS_FILE } from "./signers.js";

/** The only commit messages that may change anything under .chart/ (besides a merge). */
export const KEY_CHANGE_MESSAGES = new Set([
  "chart: init",
  "chart: add key",
  "chart: add signing key",
  "chart: remove key",
  "chart: rotate key",
  "chart: sign history",
]);

/** The message of a sync's merge commit, the one merge that may change .chart/'s key files. */
export const SYNC_MERGE_MESSAGE = "chart: sync";

/** A signed commit's trailer naming a commit made outside chart that a user reviewed and accepted. */
export const ADOPT_TRAILER = "Chart-Adopts:";

/** The .chart/ files the work tree must hold exactly as the verified commit has them. */
export const CHART_FILES = [".chart/format", ".chart/recipients", ".chart/macs.age", SIGNERS_FILE] as const;

export interface Anchor {
  commit: string;
  /** Blob ids of CHART_FILES at that commit (absent: the file is not there). */
  files: Record<string, string>;
}

const anchorPath = (gitDir: string): string => join(gitDir, "chart", "verified");

export async function readAnchor(gitDir: string): Promise<Anchor | undefined> {
  try {
    const a = JSON.parse(await readFile(anchorPath(gitDir), "utf8")) as Anchor;
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- the anchor is read from a file: files may be absent
    return typeof a.commit === "string" && /^[0-9a-f]{40,64}$/.test(a.commit) ? { commit: a.commit, files: a.files ?? {} } : undefined;
  } catch {
    return undefined;
  }
}

export async function writeAnchor(gitDir: string, anchor: Anchor): Promise<void> {
  await mkdir(join(gitDir, "chart"), { recursive: true, mode: 0o700 });
  await writeFileAtomic(anchorPath(gitDir), `${JSON.stringify(anchor)}\n`, 0o600);
}

export interface HistoryProblem {
  commit: string;
  code: "E_UNSIGNED" | "E_FOREIGN_SIGNER" | "E_BAD_SIGNATURE" | "E_CHART_CHANGED_IN_COMMIT" | "E_SIGNERS_REMOVED" | "E_HISTORY_REWOUND";
  message: string;
}

export interface RangeResult {
  problems: HistoryProblem[];
  /** Unsigned commits (made with plain git) not yet adopted: `chart fsck --adopt` shows them. */
  unadopted: string[];
  /** Commits checked. */
  checked: number;
  /** HEAD's .chart/allowed_signers (undefined: a chart from before signed history). */
  signersAtHead: string | undefined;
  /** A commit in the range introduced allowed_signers (first signed commit: trust on first use). */
  introduced: boolean;
}

const firstLine = (m: string): string => m.split("\n")[0]?.trim() ?? "";
const short = (c: string): string => c.slice(0, 12);

/** Is `ancestor` an ancestor of (or equal to) `head`? */
export async function descends(git: Git, ancestor: string, head: string): Promise<boolean> {
  if (ancestor === head) return true;
  return git.raw(["merge-base", "--is-ancestor", ancestor, head]).then(
    () => true,
    () => false,
  );
}

export interface RangeOptions {
  /**
   * The newest commit this device verified. A key retired there (a device removed or rotated
   * away before this device verified it) signs nothing that arrives after it, whatever its
   * parent: a removed device could otherwise fork the history from before its removal, where
   * it was still trusted, and have the fork merged in (docs/verifiable-history.md).
   */
  verifiedAt?: string;
}

/**
 * Check every commit after `from` (exclusive; undefined: from the root) up to `head`. Does not
 * check that `head` descends from `from`: see verifyHistory.
 */
export async function verifyRange(git: Git, from: string | undefined, head: string, opts: RangeOptions = {}): Promise<RangeResult> {
  const list = (await git.raw(["rev-list", "--reverse", "--topo-order", "--parents", from ? `${from}..${head}` : head]))
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => l.trim().split(" "));
  const commits = list.map((l) => l[0] as string);
  const all = new Set<string>(commits);
  for (const l of list) for (const p of l.slice(1)) all.add(p);
  const reqs: string[] = [];
  for (const c of all) reqs.push(c, ...CHART_FILES.map((f) => `${c}:${f}`));
  if (opts.verifiedAt) reqs.push(`${opts.verifiedAt}:${SIGNERS_FILE}`);
  const objs = await catFileBatch(git, reqs);
  const signersAt = (c: string) => objs.get(`${c}:${SIGNERS_FILE}`)?.data.toString("utf8");
  // Keys retired at the verified commit, and the commits that arrived after it.
  const atVerified = opts.verifiedAt ? parseSigners(signersAt(opts.verifiedAt) ?? "") : [];
  const retired = atVerified.filter((e) => e.validBefore !== undefined && !activeSigners(atVerified).some((a) => a.pub.equals(e.pub)));
  const arrived =
    retired.length === 0 || !opts.verifiedAt
      ? new Set<string>()
      : from === opts.verifiedAt
        ? new Set(commits)
        : new Set((await git.raw(["rev-list", `${opts.verifiedAt}..${head}`])).split("\n").filter((l) => l.trim() !== "").map((l) => l.trim()));
  // The files that carry the chart's keys: only a signed key change may change them. The rest of
  // .chart/ (the practice profile, MACed like a record; the practice's templates) changes in
  // any signed commit.
  const chartTree = (c: string) => CHART_FILES.map((f) => objs.get(`${c}:${f}`)?.oid ?? "-").join(" ");
  const problems: HistoryProblem[] = [];
  const unsigned: string[] = [];
  const adopted = new Set<string>();
  let introduced = false;
  for (const [i, c] of commits.entries()) {
    const parents = (list[i] as string[]).slice(1);
    const obj = objs.get(c);
    if (!obj) continue;
    const commit: ParsedCommit = parseCommit(obj.data);
    const mine = signersAt(c);
    const before = parents.length ? signersAt(parents[0] as string) : undefined;
    const msg = firstLine(commit.message);
    if (mine === undefined) {
      if (before !== undefined) problems.push({ commit: c, code: "E_SIGNERS_REMOVED", message: `commit ${short(c)} removes ${SIGNERS_FILE}` });
      continue; // a chart from before signed history: nothing to check yet
    }
    // Keys trusted at this point: those of the commit before it; the very first signed commit
    // (chart init, or the upgrade of an older chart) introduces its own, trusted on first use.
    const trustedText = parents.length === 0 || before === undefined ? mine : parents.map(signersAt).filter((t) => t !== undefined).join("\n");
    if (parents.length === 0 || before === undefined) introduced = true;
    const trusted = activeSigners(parseSigners(trustedText));
    const check = checkCommitSignature(commit);
    const trustedThen = check.ok && trusted.some((t) => t.pub.equals(check.pub));
    // Trusted at its parent, but retired by a commit this device verified before it arrived.
    const signer = check.ok ? check.pub : undefined;
    const gone = trustedThen && signer && arrived.has(c) ? retired.find((r) => r.pub.equals(signer)) : undefined;
    const signedOk = trustedThen && !gone;
    if (!commit.signature) unsigned.push(c);
    else if (!check.ok && check.reason !== "not signed") {
      problems.push({ commit: c, code: "E_BAD_SIGNATURE", message: `commit ${short(c)} has a signature that does not verify (${check.reason})` });
    } else if (gone) {
      problems.push({
        commit: c,
        code: "E_FOREIGN_SIGNER",
        message: `commit ${short(c)} is signed by ${gone.label || gone.principal}, a device removed before commit ${short(opts.verifiedAt as string)} this device verified (a fork from before its removal)`,
      });
    } else if (!signedOk) {
      problems.push({ commit: c, code: "E_FOREIGN_SIGNER", message: `commit ${short(c)} is signed by a key that was not a device of this chart at that point` });
    }
    const tree = chartTree(c);
    const changed = parents.length === 0 ? false : parents.length === 1 ? chartTree(parents[0] as string) !== tree : !parents.some((p) => chartTree(p) === tree);
    // A sync's merge of key changes made on two devices (merged three-way, src/store/sync.ts) is
    // itself a key change, signed by a device trusted at that point like any other.
    const keyChange = parents.length > 1 ? msg === SYNC_MERGE_MESSAGE : KEY_CHANGE_MESSAGES.has(msg);
    if (changed && (!signedOk || !keyChange)) {
      problems.push({ commit: c, code: "E_CHART_CHANGED_IN_COMMIT", message: `commit ${short(c)} changes .chart/ (keys, MAC key) outside a signed key change` });
    }
    if (signedOk) {
      for (const line of commit.message.split("\n")) {
        if (line.startsWith(ADOPT_TRAILER)) for (const id of line.slice(ADOPT_TRAILER.length).trim().split(/\s+/)) adopted.add(id);
      }
    }
  }
  const unadopted = unsigned.filter((c) => !adopted.has(c));
  for (const c of unadopted) {
    problems.push({ commit: c, code: "E_UNSIGNED", message: `commit ${short(c)} was not made by chart (unsigned)` });
  }
  return { problems, unadopted, checked: commits.length, signersAtHead: signersAt(head), introduced };
}

/** Blob ids of CHART_FILES at `commit`. */
export async function chartFilesAt(git: Git, commit: string): Promise<Record<string, string>> {
  const objs = await catFileBatch(git, CHART_FILES.map((f) => `${commit}:${f}`));
  const out: Record<string, string> = {};
  for (const f of CHART_FILES) {
    const o = objs.get(`${commit}:${f}`);
    if (o) out[f] = o.oid;
  }
  return out;
}

/** The .chart/ files in the work tree that differ from `files` (the verified commit's). */
export async function changedChartFiles(root: string, files: Record<string, string>): Promise<string[]> {
  const out: string[] = [];
  for (const f of CHART_FILES) {
    const data = await readFile(join(root, f)).catch(() => undefined);
    const want = files[f];
    const have = data === undefined ? undefined : blobOid(data, want && want.length === 64 ? "sha256" : "sha1");
    if (have !== want) out.push(f);
  }
  return out;
}

export const rewoundError = (anchor: string) =>
  invalid(
    "E_HISTORY_REWOUND",
    `the chart's history no longer contains commit ${short(anchor)}, the newest this device verified: it was rewound or rewritten (by a pull, a reset or a remote); nothing was read or written`,
    `go back to it with \`git reset --keep ${anchor}\` (see docs/verifiable-history.md); if you rewound it on purpose, \`chart key trust --history\``,
  );

export { readHeadNative };
