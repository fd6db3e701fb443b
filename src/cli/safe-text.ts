/**
 * Terminal safety: text from a record (a name, a note, a file name in an error) never reaches a
 * terminal as control codes. Every C0 control (NUL, ESC, BEL, CR, ...), DEL, every C1 control
 * (U+0080–U+009F, which some terminals take as CSI/OSC), the bidirectional overrides, embeddings
 * and isolates (U+202A–U+202E, U+2066–U+2069, U+200E/F, U+061C), the deprecated format
 * controls (U+206A–U+206F), interlinear annotation (U+FFF9–U+FFFB), the line and paragraph
 * separators and Unicode noncharacters are shown visibly as ⟨U+XXXX⟩. With ESC gone, no CSI,
 * OSC (window titles, OSC 8 links) or DCS sequence can start. See docs/decisions.md.
 *
 * This runs at the output layer (src/cli/output.ts, src/cli/report.ts, prompts), not per command.
 */

// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u206f\ufdd0-\ufdef\ufeff\ufff9-\ufffb\ufffe\uffff]/g;
// In a single-line context (a table cell, a name in a message), newlines and tabs are escaped too.
// eslint-disable-next-line no-control-regex
const UNSAFE_INLINE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u206f\ufdd0-\ufdef\ufeff\ufff9-\ufffb\ufffe\uffff]/g;

const visible = (ch: string): string => `⟨U+${ch.charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")}⟩`;

/**
 * Text safe for a terminal. `inline` also escapes newlines and tabs (table cells, one-line
 * messages); otherwise CRLF becomes LF and LF/TAB are kept.
 */
export function terminalSafe(text: string, opts: { inline?: boolean } = {}): string {
  if (opts.inline) return text.replace(UNSAFE_INLINE, visible);
  return text.replace(/\r\n/g, "\n").replace(UNSAFE, visible);
}

/** True when `text` holds nothing a terminal would act on beyond LF and TAB. */
export function isTerminalSafe(text: string): boolean {
  UNSAFE.lastIndex = 0;
  return !new RegExp(UNSAFE.source).test(text);
}

/**
 * JSON for a terminal or a pipe: JSON.stringify escapes C0 controls but leaves C1 controls,
 * bidi controls and U+2028/2029 raw; they are written as \uXXXX escapes, which any JSON parser
 * reads back as the same string.
 */
const JSON_UNSAFE = /[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u206f\ufdd0-\ufdef\ufeff\ufff9-\ufffb\ufffe\uffff]/g;
export function jsonSafe(json: string): string {
  return json.replace(JSON_UNSAFE, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`);
}
