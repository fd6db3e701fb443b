/** The referral letter of `chart share --letter FILE | -m TEXT [--question TEXT]`. */
import { readFile, stat } from "node:fs/promises";
import { resolve } from "node:path";
import { invalid, usageError } from "../../domain/errors.js";
import type { ShareLetter } from "../../domain/share-view.js";

const MAX_LETTER = 64 * 1024;

/** Text a letter may carry: printable characters, newlines and tabs; no other controls or direction overrides. */
function checkText(text: string, what: string): string {
  const t = text.replace(/\r\n?/g, "\n").replace(/\s+$/, "");
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/.test(t)) {
    throw invalid("E_LETTER", `${what} holds control characters`, "use plain text");
  }
  return t;
}

/** The letter's options as given: --letter FILE, -m TEXT, --question TEXT. */
export interface LetterOptions {
  file?: string | undefined;
  message?: string | undefined;
  question?: string | undefined;
}

/** Pure: the letter options, refusing --letter with -m (exit 2). */
export function parseLetter(file: string | undefined, message: string | undefined, question: string | undefined): LetterOptions {
  if (file !== undefined && message !== undefined) throw usageError("E_USAGE", "--letter and -m exclude each other", "give the letter in a file or inline, not both");
  return { file, message, question };
}

export async function readLetter(cwd: string, { file, message, question }: LetterOptions): Promise<ShareLetter | undefined> {
  let text: string | undefined;
  if (file !== undefined) {
    const path = resolve(cwd, file);
    const st = await stat(path).catch(() => undefined);
    if (!st?.isFile()) throw usageError("E_LETTER_FILE", `--letter: ${file} is not a readable file`);
    if (st.size > MAX_LETTER) throw invalid("E_LETTER", `--letter: ${file} is larger than 64 KiB`, "a cover letter is a page or two");
    const raw = await readFile(path);
    try {
      text = new TextDecoder("utf-8", { fatal: true }).decode(raw);
    } catch {
      throw invalid("E_LETTER", `--letter: ${file} is not UTF-8 text`);
    }
  } else if (message !== undefined) text = message.replace(/\\n/g, "\n");
  const out: ShareLetter = {};
  if (question !== undefined && question.trim() !== "") out.question = checkText(question, "--question").replace(/\n/g, " ");
  if (text !== undefined && text.trim() !== "") out.text = checkText(text, file !== undefined ? "--letter" : "-m");
  return out.question !== undefined || out.text !== undefined ? out : undefined;
}
