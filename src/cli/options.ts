/** Option helpers shared by the command files. */

/** Repeatable option: --label A --label B */
export const collect = (v: string, prev: string[] = []): string[] => [...prev, v];
