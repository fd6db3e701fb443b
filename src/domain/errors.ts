/** Typed errors with stable codes and exit codes (DESIGN.md section 10). */

export const EXIT = {
  ok: 0,
  internal: 1,
  usage: 2,
  invalid: 3,
  notFound: 4,
  conflict: 5,
  key: 6,
  storage: 7,
} as const;

export type ExitKind = keyof typeof EXIT;

/**
 * A ChartError carries a stable machine code (`E_CLIENT_NOT_FOUND`), the exit code
 * family, a one-line message and a hint. Messages never contain decrypted content.
 */
export class ChartError extends Error {
  readonly code: string;
  readonly exit: number;
  readonly hint: string | undefined;
  readonly details: Record<string, unknown> | undefined;
  /**
   * Lines that help a person at a terminal but may name a client (e.g. the candidates of an
   * ambiguous name): printed only when stderr is a TTY, never in JSON, logs or cron mail.
   */
  terminalOnly: string[] | undefined;

  constructor(
    kind: ExitKind,
    code: string,
    message: string,
    hint?: string,
    details?: Record<string, unknown>,
    options?: { cause?: unknown },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = "ChartError";
    this.code = code;
    this.exit = EXIT[kind];
    this.hint = hint;
    this.details = details;
    this.terminalOnly = undefined;
  }
}

export const usageError = (code: string, message: string, hint?: string): ChartError =>
  new ChartError("usage", code, message, hint);

export const invalid = (code: string, message: string, hint?: string): ChartError =>
  new ChartError("invalid", code, message, hint);

export const notFound = (code: string, message: string, hint?: string): ChartError =>
  new ChartError("notFound", code, message, hint);

export const conflict = (code: string, message: string, hint?: string): ChartError =>
  new ChartError("conflict", code, message, hint);

export const keyError = (code: string, message: string, hint?: string): ChartError =>
  new ChartError("key", code, message, hint);

export const storageError = (code: string, message: string, hint?: string): ChartError =>
  new ChartError("storage", code, message, hint);

/** Attach the underlying error (an I/O error, a git failure) so CHART_DEBUG=1 can show it. */
export const withCause = <E extends ChartError>(err: E, cause: unknown): E => {
  Object.defineProperty(err, "cause", { value: cause, enumerable: false, configurable: true, writable: true });
  return err;
};

export const isChartError = (e: unknown): e is ChartError => e instanceof ChartError;
