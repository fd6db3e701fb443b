/** Typed errors with stable codes and exit codes (docs/errors.md). */
import { ERROR_CODES } from "./error-codes.js";

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

/** Every code chart raises (src/domain/error-codes.ts). */
export type ErrorCode = keyof typeof ERROR_CODES;
/** The codes of one exit class. */
export type CodeOf<K extends ExitKind> = { [C in ErrorCode]: (typeof ERROR_CODES)[C] extends K ? C : never }[ErrorCode];

/** The exit class of a code, from the catalogue. */
export const exitKindOf = (code: ErrorCode): ExitKind => ERROR_CODES[code];

type ErrorArgs = {
  [K in ExitKind]: [kind: K, code: CodeOf<K>, message: string, hint?: string, details?: Record<string, unknown>, options?: { cause?: unknown }];
}[ExitKind];

/**
 * A ChartError carries a stable machine code (`E_CLIENT_NOT_FOUND`), the exit code
 * family, a one-line message and a hint. Messages never contain decrypted content.
 */
export class ChartError extends Error {
  readonly code: ErrorCode;
  readonly exit: number;
  readonly hint: string | undefined;
  readonly details: Record<string, unknown> | undefined;
  /**
   * Lines that help a person at a terminal but may name a client (e.g. the candidates of an
   * ambiguous name): printed only when stderr is a TTY, never in JSON, logs or cron mail.
   */
  terminalOnly: string[] | undefined;

  /** The kind must be the code's class in the catalogue: a mismatch does not compile. */
  constructor(...args: ErrorArgs) {
    const [kind, code, message, hint, details, options] = args;
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = "ChartError";
    this.code = code;
    this.exit = EXIT[kind];
    this.hint = hint;
    this.details = details;
    this.terminalOnly = undefined;
  }
}

/** An error of this code, its exit class taken from the catalogue (for passing a code along). */
export function errorFor(code: ErrorCode, message: string, hint?: string, details?: Record<string, unknown>, options?: { cause?: unknown }): ChartError {
  // Sound: the kind is the code's own class, which is what the correlated constructor asks for.
  return new ChartError(...([ERROR_CODES[code], code, message, hint, details, options] as unknown as ErrorArgs));
}

export const usageError = (code: CodeOf<"usage">, message: string, hint?: string): ChartError =>
  new ChartError("usage", code, message, hint);

export const invalid = (code: CodeOf<"invalid">, message: string, hint?: string): ChartError =>
  new ChartError("invalid", code, message, hint);

export const notFound = (code: CodeOf<"notFound">, message: string, hint?: string): ChartError =>
  new ChartError("notFound", code, message, hint);

export const conflict = (code: CodeOf<"conflict">, message: string, hint?: string): ChartError =>
  new ChartError("conflict", code, message, hint);

export const keyError = (code: CodeOf<"key">, message: string, hint?: string): ChartError =>
  new ChartError("key", code, message, hint);

export const storageError = (code: CodeOf<"storage">, message: string, hint?: string): ChartError =>
  new ChartError("storage", code, message, hint);

/** Attach the underlying error (an I/O error, a git failure) so CHART_DEBUG=1 can show it. */
export const withCause = <E extends ChartError>(err: E, cause: unknown): E => {
  Object.defineProperty(err, "cause", { value: cause, enumerable: false, configurable: true, writable: true });
  return err;
};

export const isChartError = (e: unknown): e is ChartError => e instanceof ChartError;
