/** The environment a store operation sees; always passed in, never read at import time. */
export type Env = Readonly<Record<string, string | undefined>>;
