/**
 * An import's files handed to git as one pack, as they are written (git fast-import), so that
 * staging them (`git update-index --add`) finds every blob already stored instead of writing one
 * loose object file per record: staging 14,300 files took 1.3-2.3 s instead of 14.5 s on a
 * loaded machine (docs/decisions.md, "Where the time goes").
 *
 * Only a speed-up: the files in the work tree stay the truth. update-index hashes each file and
 * writes any blob the pack lacks, so a pack that fails, or is cut short by a kill, costs time and
 * never correctness; what a cut-short pack holds is ciphertext no commit names, which git's gc
 * removes. No `--done`: an end of input is a normal end, so a killed import leaves no
 * fast_import_crash report.
 */
import { spawn } from "node:child_process";

/** Where the pack goes, and the environment git runs with (src/store/git.ts gitEnv). */
export interface PackTarget {
  gitDir: string;
  env: Record<string, string>;
}

export interface BlobPack {
  /** Store these bytes as a blob: resolves at once, or, while git is behind, once it has caught up. */
  add(data: Uint8Array): Promise<void>;
  /** End the pack; true when git wrote it whole. Never rejects. */
  finish(): Promise<boolean>;
}

const RUN_BYTES = 256 * 1024;

export function openBlobPack(target: PackTarget): BlobPack {
  // Ciphertext does not compress, and no two blobs are alike: no zlib work, no delta search.
  const child = spawn("git", ["--git-dir", target.gitDir, "-c", "pack.compression=0", "fast-import", "--quiet", "--depth=0"], {
    env: target.env,
    stdio: ["pipe", "ignore", "ignore"],
  });
  let broken = false;
  const exit = new Promise<boolean>((resolve) => {
    child.on("error", () => {
      broken = true;
      resolve(false);
    });
    child.on("close", (code) => resolve(code === 0 && !broken));
  });
  child.stdin.on("error", () => (broken = true));
  const stdin = child.stdin;
  // Blobs are sent in runs of about 256 KB: a write to the pipe per file cost more than git's
  // reading it (a fifth of an import worker's time in a profile). While git has not taken a run,
  // every add waits: otherwise the worker's other jobs went on filling the pipe's queue, and an
  // import's memory grew with its size whenever git fell behind.
  // Each blob is copied into the run as it comes, so no ciphertext outlives its job: held until
  // the run was full, they outlived the workers' small young generation and piled up in the old
  // one (an import's memory grew by 100 MB over 70,000 records).
  let run = Buffer.allocUnsafe(RUN_BYTES + 64 * 1024);
  let runBytes = 0;
  let blocked: Promise<void> | undefined;
  const flush = (): Promise<void> | undefined => {
    const chunk = run.subarray(0, runBytes);
    run = Buffer.allocUnsafe(RUN_BYTES + 64 * 1024);
    runBytes = 0;
    if (broken || !stdin.writable || chunk.length === 0 || stdin.write(chunk)) return blocked;
    blocked ??= new Promise((resolve) => {
      const done = () => {
        stdin.off("drain", done);
        stdin.off("close", done);
        blocked = undefined;
        resolve();
      };
      stdin.on("drain", done);
      stdin.on("close", done);
    });
    return blocked;
  };
  return {
    add(data) {
      if (broken) return Promise.resolve();
      const head = `blob\ndata ${data.length}\n`;
      if (runBytes + head.length + data.length + 1 > run.length) {
        const bigger = Buffer.allocUnsafe(runBytes + head.length + data.length + 1);
        run.copy(bigger, 0, 0, runBytes);
        run = bigger; // a blob larger than a run
      }
      runBytes += run.write(head, runBytes, "latin1");
      run.set(data, runBytes);
      runBytes += data.length;
      run[runBytes++] = 0x0a;
      return (runBytes >= RUN_BYTES ? flush() : blocked) ?? Promise.resolve();
    },
    async finish() {
      await flush();
      if (stdin.writable) stdin.end();
      return exit;
    },
  };
}
