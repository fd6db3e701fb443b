/**
 * Output held back until the access log is written. A command that decrypts records writes its
 * output here; only after its reads are in the access log does the output leave (so a reader that
 * closes the pipe early, `chart note show X | head -1`, cannot skip the log), and if the log
 * cannot be written nothing is shown at all (exit 7).
 */
import { Writable } from "node:stream";

export class HeldOutput extends Writable {
  private chunks: Buffer[] = [];
  /**
   * `target` gets output at once while `holding()` is false and nothing is held (no record read
   * yet: a table shown before a confirmation prompt); from the first read on, it is held.
   */
  constructor(
    private readonly target: Writable,
    private readonly holding: () => boolean,
  ) {
    super();
  }
  override _write(chunk: Buffer | string, _enc: BufferEncoding, cb: (e?: Error | null) => void): void {
    const buf = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
    if (this.chunks.length === 0 && !this.holding()) {
      this.target.write(buf); // queued in order by the target; nothing waits here
      cb();
      return;
    }
    this.chunks.push(buf);
    cb();
  }
  /** Everything held, in order; the holder is emptied. */
  take(): Buffer {
    const all = Buffer.concat(this.chunks);
    this.chunks = [];
    return all;
  }
  discard(): void {
    this.chunks = [];
  }
}
