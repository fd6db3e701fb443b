/**
 * Bounded concurrency for all file work (docs/decisions.md, "Bounded file work"): at most
 * `limit` calls of `fn` are in flight at once, so a chart of any size opens at most that many
 * files together and an open-file limit of 256 (the macOS default) never changes a result.
 * Results keep the input order. The first rejection rejects the whole map after the calls
 * already started have settled (no stray work keeps running after the caller has moved on).
 */
export const FILE_CONCURRENCY = 32;

export async function mapLimit<T, R>(
  items: readonly T[],
  fn: (item: T, index: number) => Promise<R>,
  limit: number = FILE_CONCURRENCY,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  // Shared by the workers: the next index to take, and the first failure.
  const state: { next: number; failure?: { error: unknown } } = { next: 0 };
  const worker = async (): Promise<void> => {
    while (!state.failure && state.next < items.length) {
      const i = state.next++;
      try {
        out[i] = await fn(items[i] as T, i);
      } catch (e) {
        state.failure ??= { error: e };
      }
    }
  };
  const n = Math.max(1, Math.min(limit, items.length));
  await Promise.all(Array.from({ length: n }, worker));
  if (state.failure) throw state.failure.error;
  return out;
}

/** Like mapLimit, for work whose results are not needed. */
export async function eachLimit<T>(items: readonly T[], fn: (item: T, index: number) => Promise<unknown>, limit: number = FILE_CONCURRENCY): Promise<void> {
  await mapLimit(items, fn, limit);
}
