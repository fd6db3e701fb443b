/**
 * Does the repository's git index hold an untracked cache (the UNTR extension,
 * src/store/worktree.ts)? A split index keeps its extensions in the small file, .git/index, so
 * every index file is looked at.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

export function hasUntrackedCache(repo: string): boolean {
  return readdirSync(join(repo, ".git"))
    .filter((f) => f === "index" || f.startsWith("sharedindex."))
    .some((f) => readFileSync(join(repo, ".git", f)).includes("UNTR"));
}
