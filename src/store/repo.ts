/**
 * The chart repository: finding it, creating it (`chart init`), and opening it for reading and
 * writing with the identity, recipients and MAC key.
 */
import { randomBytes } from "node:crypto";
import { access, mkdir, readFile, readdir, stat, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { invalid, keyError, notFound, storageError, withCause } from "../domain/errors.js";
import { makeCipher, type Cipher } from "./age.js";
import { writeFileAtomic } from "./atomic.js";
import type { Env } from "./env.js";
import { commitPaths, gitOr, openGit, type Git } from "./git.js";
import type { Identity } from "./identity.js";
import { sha256Hex } from "./hash.js";
import { readAnchor, writeAnchor } from "./history.js";
import { writePin, writeSignersPin } from "./pin.js";
import { parseRecipients } from "./recipients.js";
import { formatSigners, parseSigners, signersHash, SIGNERS_FILE, type SignerEntry } from "./signers.js";
import { loadSigningKey, signingKeyPath } from "./signing-key.js";
import type { SigningKey } from "./sshsig.js";

export const FORMAT = "chart 1";

/** What the recipient pin compares: the set of keys, whatever the labels and order. */
export const recipientsHash = (text: string): string =>
  sha256Hex(parseRecipients(text).map((r) => r.recipient).sort().join("\n"));

export const GITATTRIBUTES = "*.age -text diff=chart merge=binary\n";
export const GITIGNORE = ["# chart: local, never committed", ".chart/cache/", "*.lock", ".*.tmp-*", ""].join("\n");

export interface Chart {
  root: string;
  gitDir: string;
  identity: Identity;
  recipients: string[];
  macKey: Uint8Array;
  cipher: Cipher;
  git: () => Promise<Git>;
  env: Env;
  /** SHA-256 of .chart/recipients as opened, compared with this device's pin before writing. */
  recipientsHash: string;
  /** This device's signing key: every commit is signed with it (docs/verifiable-history.md). */
  signingKey?: SigningKey;
  /** .chart/allowed_signers as opened (undefined: a chart from before signed history). */
  signers?: SignerEntry[];
  signersHash?: string;
  /** Refuse records whose files differ from the verified commit (set by the CLI; src/store/worktree.ts). */
  checkWorkTree?: boolean;
  /** Pathspecs already checked against the verified commit by this process (src/store/worktree.ts). */
  intact?: Set<string>;
  /** Record paths this process decrypted and wrote, for the access log. */
  /**
   * Commit what a writer killed before its commit left complete (src/store/recover.ts); the
   * writer lock calls it when it takes over a dead writer's lock. A hook, so the lock does not
   * import the reading and checking modules that themselves write under the lock.
   */
  recoverInterrupted(): Promise<void>;
  touched: { read: Set<string>; written: Set<string> };
}

const exists = (p: string) =>
  access(p).then(
    () => true,
    () => false,
  );

/** --repo, then $CHART_REPO, then the nearest folder at or above cwd holding .chart/format. */
export async function findRoot(env: Env, cwd: string, flag?: string): Promise<string> {
  const given = flag ?? env.CHART_REPO;
  if (given) {
    const root = resolve(cwd, given);
    if (!(await exists(join(root, ".chart", "format")))) {
      throw notFound("E_NOT_A_CHART", `${root} is not a chart repository`, `run: chart init ${given}`);
    }
    return root;
  }
  let dir = resolve(cwd);
  for (;;) {
    if (await exists(join(dir, ".chart", "format"))) return dir;
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  throw notFound(
    "E_NOT_A_CHART",
    "not inside a chart repository",
    "run `chart init DIR`, or pass --repo DIR, or set CHART_REPO",
  );
}

export async function gitDirOf(root: string): Promise<string> {
  const dotgit = join(root, ".git");
  try {
    const text = await readFile(dotgit, "utf8"); // a worktree or submodule: "gitdir: PATH"
    const m = /^gitdir: (.+)$/m.exec(text);
    if (m) return resolve(root, (m[1] as string).trim());
  } catch {
    /* a directory, the usual case */
  }
  return dotgit;
}

export async function openChart(root: string, identity: Identity, env: Env, signingKey?: SigningKey): Promise<Chart> {
  const format = (await readFile(join(root, ".chart", "format"), "utf8").catch(() => "")).trim();
  if (format !== FORMAT) {
    throw storageError("E_FORMAT", `${root} has chart format "${format.slice(0, 20)}", expected "${FORMAT}"`, "upgrade chart");
  }
  const recipientsText = await readFile(join(root, ".chart", "recipients"), "utf8").catch((cause: unknown) => {
    const e = cause as NodeJS.ErrnoException;
    throw withCause(
      keyError("E_NO_RECIPIENTS", `${root} has no readable .chart/recipients (${e.code ?? "error"}): chart cannot tell whom to encrypt for`, "restore it from git (git checkout -- .chart/recipients in the chart)"),
      e,
    );
  });
  // The record folders must be folders: anything else is a damaged chart, not an internal error.
  const clients = await stat(join(root, "clients")).catch(() => undefined);
  if (clients && !clients.isDirectory()) {
    throw storageError("E_LAYOUT", `${join(root, "clients")} is not a folder`, "move it aside and restore the folder from git (git checkout -- clients), then run chart fsck");
  }
  const recipients = parseRecipients(recipientsText).map((r) => r.recipient);
  const cipher = await makeCipher(identity.key, recipients);
  let macKey: Uint8Array;
  try {
    const plain = new TextDecoder().decode(await cipher.decrypt(await readFile(join(root, ".chart", "macs.age"))));
    const m = /^key: ([0-9a-f]{64})$/m.exec(plain);
    if (!m) throw new Error("bad mac key file");
    macKey = Buffer.from(m[1] as string, "hex");
  } catch {
    throw keyError(
      "E_WRONG_IDENTITY",
      `the identity ${identity.path} cannot open this chart`,
      "use the identity this chart was made with (--identity FILE), or have it added with `chart key add` on a device that has it",
    );
  }
  // Without a key given, the one beside the identity (created by chart init), if there is one.
  signingKey ??= await loadSigningKey(signingKeyPath(identity.path), identity);
  const signersText = await readFile(join(root, SIGNERS_FILE), "utf8").catch(() => undefined);
  let git: Git | undefined;
  const gitDir = await gitDirOf(root);
  // eslint-disable-next-line @typescript-eslint/require-await -- async so that a throw from openGit reaches callers as a rejection
  const openSigned = async (): Promise<Git> => {
    const g = openGit(root, env, signingKey);
    // Our own commit on top of the verified one is verified by construction: move the anchor,
    // unless it changed .chart/ (key changes are checked like any other, on the next command).
    g.afterCommit = async (commit, parent, paths) => {
      const a = await readAnchor(gitDir);
      if (a && a.commit === parent && !paths.some((p) => p === ".chart" || p.startsWith(".chart/"))) await writeAnchor(gitDir, { commit, files: a.files });
    };
    return g;
  };
  const chart: Chart = {
    root,
    gitDir,
    identity,
    recipients,
    macKey,
    cipher,
    env,
    signingKey,
    signers: signersText === undefined ? undefined : parseSigners(signersText),
    signersHash: signersText === undefined ? undefined : signersHash(signersText),
    git: async () => (git ??= await openSigned()),
    recipientsHash: recipientsHash(recipientsText),
    touched: { read: new Set(), written: new Set() },
    recoverInterrupted: async () => {
      const { recoverInterrupted } = await import("./recover.js");
      await recoverInterrupted(chart);
    },
  };
  return chart;
}

/** Point git's diff at chart's textconv so `git log -p` shows decrypted text locally. */
export async function configureLocalGit(git: Git, textconv: string): Promise<void> {
  await gitOr("config", () => git.raw(["config", "--local", "diff.chart.textconv", textconv]));
  await git.raw(["config", "--local", "--unset-all", "diff.chart.cachetextconv"]).catch(() => undefined);
}

export interface InitResult {
  root: string;
  created: boolean; // a new chart, rather than an existing one checked
}

/**
 * Create the chart in `root` (git init when needed). Safe to run twice: an existing chart is
 * checked, its local git configuration refreshed, and nothing is committed.
 */
export async function initChart(
  root: string,
  identity: Identity,
  env: Env,
  textconv: string,
  label: string,
  signingKey: SigningKey,
): Promise<InitResult> {
  // A chart inside another chart's folders would nest a repository in it (and its plaintext-free
  // guarantees would then depend on two .gitignores): refused.
  for (let dir = dirname(resolve(root)); ; dir = dirname(dir)) {
    if (await exists(join(dir, ".chart", "format"))) {
      throw invalid("E_INIT_NESTED", `${root} is inside the chart at ${dir}`, "choose a folder outside any chart");
    }
    if (dirname(dir) === dir) break;
  }
  await mkdir(root, { recursive: true });
  const git = openGit(root, env, signingKey);
  const isRepo = await exists(join(root, ".git"));
  if (!isRepo) await gitOr("init", () => git.raw(["init", "--quiet", "--initial-branch=main"]));
  if (await exists(join(root, ".chart", "format"))) {
    await configureLocalGit(git, textconv);
    await openChart(root, identity, env, signingKey); // checks the identity can open it
    return { root, created: false };
  }
  const entries = (await readdir(root)).filter((e) => e !== ".git");
  const clientDir = entries.includes("clients");
  if (clientDir) throw storageError("E_INIT_CONFLICT", `${root} already has a clients/ folder but no .chart/`, "choose an empty folder");
  await mkdir(join(root, ".chart"), { recursive: true, mode: 0o700 });
  await writeFile(join(root, ".chart", "format"), `${FORMAT}\n`);
  await writeFile(join(root, ".chart", "recipients"), `# ${label}\n${identity.recipient}\n`);
  const cipher = await makeCipher(identity.key, [identity.recipient]);
  const macText = `chart: 1\nkind: mac-key\nkey: ${randomBytes(32).toString("hex")}\n`;
  await writeFileAtomic(join(root, ".chart", "macs.age"), await cipher.encrypt(macText), 0o600);
  await writeFile(join(root, SIGNERS_FILE), formatSigners([{ principal: identity.recipient, publicKey: signingKey.publicKey, label }]));
  await writeFile(join(root, ".gitattributes"), GITATTRIBUTES);
  await writeFile(join(root, ".gitignore"), GITIGNORE);
  await configureLocalGit(git, textconv);
  await commitPaths(git, [".chart/format", ".chart/recipients", ".chart/macs.age", SIGNERS_FILE, ".gitattributes", ".gitignore"], "chart: init");
  const gitDir = await gitDirOf(root);
  await writePin(gitDir, recipientsHash(`${identity.recipient}\n`));
  await writeSignersPin(gitDir, signersHash(await readFile(join(root, SIGNERS_FILE), "utf8")));
  return { root, created: true };
}
