/**
 * git's commit object text, signed with an SSH signature in the `gpgsig` header, and the
 * reverse: splitting a commit into its signature and the payload it covers. git signs the
 * commit text without the signature header (gitformat-signature(5)), namespace "git".
 */
import { sshSign, sshVerify, type SigCheck, type SigningKey } from "./sshsig.js";

export interface CommitFields {
  tree: string;
  parents: readonly string[];
  message: string;
  name: string;
  email: string;
  now: Date;
}

export async function signCommitText(key: SigningKey, c: CommitFields): Promise<string> {
  const who = `${c.name} <${c.email}> ${Math.floor(c.now.getTime() / 1000)} +0000`;
  const head = [`tree ${c.tree}`, ...c.parents.map((p) => `parent ${p}`), `author ${who}`, `committer ${who}`];
  const message = c.message.endsWith("\n") ? c.message : `${c.message}\n`;
  const payload = `${head.join("\n")}\n\n${message}`;
  const sig = (await sshSign(key, "git", payload)).trimEnd().split("\n").join("\n ");
  return `${head.join("\n")}\ngpgsig ${sig}\n\n${message}`;
}

export interface ParsedCommit {
  tree: string;
  parents: string[];
  message: string;
  /** The armored signature, when there is one. */
  signature?: string;
  /** The bytes the signature covers: the commit without its signature header. */
  payload: Buffer;
}

export function parseCommit(raw: Buffer): ParsedCommit {
  const text = raw.toString("latin1");
  const end = text.indexOf("\n\n");
  const headText = end < 0 ? text : text.slice(0, end);
  const body = end < 0 ? "" : text.slice(end + 2);
  const lines = headText.split("\n");
  const kept: string[] = [];
  const parents: string[] = [];
  let tree = "";
  let signature: string | undefined;
  for (let i = 0; i < lines.length; i += 1) {
    const line = lines[i] as string;
    if (line.startsWith("gpgsig ") || line.startsWith("gpgsig-sha256 ")) {
      const sig = [line.slice(line.indexOf(" ") + 1)];
      while (i + 1 < lines.length && (lines[i + 1] as string).startsWith(" ")) sig.push((lines[(i += 1)] as string).slice(1));
      if (line.startsWith("gpgsig ")) signature = `${sig.join("\n")}\n`;
      else kept.push(line, ...sig.slice(1).map((s) => ` ${s}`));
      continue;
    }
    if (line.startsWith("tree ")) tree = line.slice(5);
    if (line.startsWith("parent ")) parents.push(line.slice(7));
    kept.push(line);
  }
  const payload = Buffer.from(`${kept.join("\n")}${end < 0 ? "" : `\n\n${body}`}`, "latin1");
  return { tree, parents, message: Buffer.from(body, "latin1").toString("utf8"), signature, payload };
}

export function checkCommitSignature(c: ParsedCommit): SigCheck {
  if (!c.signature) return { ok: false, reason: "not signed" };
  return sshVerify(c.signature, "git", c.payload);
}
