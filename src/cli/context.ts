/**
 * What every command gets: global options, output, and lazy access to the chart. Opening the
 * chart (identity, recipients, MAC key) happens only for commands that need it.
 */
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { resolveClient, type ClientRecord } from "../domain/client.js";
import { localDate, parseDate, type IsoDate } from "../domain/dates.js";
import { notFound } from "../domain/errors.js";
import { idMatches, makeId, type IdKind } from "../domain/ids.js";
import { identityPath, loadIdentity } from "../store/identity.js";
import { readKind, readRecord, type ReadFailure } from "../store/records.js";
import { recoverKeyChange } from "../store/key-journal.js";
import { findRoot, openChart, type Chart } from "../store/repo.js";
import { ensureSigningKey, signingKeyPath } from "../store/signing-key.js";
import { ensureVerified } from "../store/verify.js";
import { assertIntact } from "../store/worktree.js";
import type { Deps } from "./deps.js";
import { makeOutput, type Output } from "./output.js";

export interface GlobalOptions {
  repo?: string;
  identity?: string;
  json?: boolean;
  color?: boolean; // commander's --no-color sets color: false
  quiet?: boolean;
}

export interface Ctx {
  deps: Deps;
  opts: GlobalOptions;
  out: Output;
  chart(): Promise<Chart>;
  /** The chart opened without checking its history (chart fsck, which reports what is wrong). */
  chartUnverified(): Promise<Chart>;
  /** The chart if this command opened it (without opening it). */
  openedChart(): Promise<Chart> | undefined;
  today(): IsoDate;
  /** A date option: parsed and checked (future refused unless allowFuture), or today when absent. */
  date(value: unknown, what: string, opts?: { allowFuture?: boolean }): IsoDate;
  /** A date option that may be absent. */
  optionalDate(value: unknown, what: string, opts?: { allowFuture?: boolean }): IsoDate | undefined;
  newId(kind: IdKind): string;
  /** Resolve a client by id, id prefix or unique part of the name. */
  client(query: string): Promise<ClientRecord>;
  /** Warn about records that could not be read (named, never their content). */
  reportFailures(failures: readonly ReadFailure[]): void;
}

export function makeCtx(deps: Deps, opts: GlobalOptions): Ctx {
  const out = makeOutput(deps, { json: !!opts.json, quiet: !!opts.quiet, noColor: opts.color === false });
  let chart: Promise<Chart> | undefined;
  let unverified: Promise<Chart> | undefined;
  const ctx: Ctx = {
    deps,
    opts,
    out,
    chart: () =>
      (chart ??= (async () => {
        const c = await ctx.chartUnverified();
        await ensureVerified(c, (m) => out.warn(m));
        c.checkWorkTree = true; // records are used only as the verified commit has them
        return c;
      })()),
    chartUnverified: () =>
      (unverified ??= (async () => {
        const root = await findRoot(deps.env, deps.cwd, opts.repo);
        const idPath = identityPath(deps.env, deps.cwd, opts.identity);
        await recoverKeyChange(root, idPath, deps.env); // a key rotate/remove that was killed
        const identity = await loadIdentity(idPath);
        const signing = await ensureSigningKey(idPath);
        if (signing.created) out.warn(`created this device's signing key ${signingKeyPath(idPath)} (mode 0600): chart signs every commit with it`);
        return openChart(root, identity, deps.env, signing.key);
      })()),
    openedChart: () => chart ?? unverified,
    today: () => localDate(deps.now()),
    date: (value, what, o) => ctx.optionalDate(value, what, o) ?? ctx.today(),
    optionalDate: (value, what, o = {}) =>
      value === undefined || value === null || value === "" ? undefined : parseDate(String(value), what, ctx.today(), o),
    newId: (kind) => makeId(kind, deps.random(16)),
    async client(query) {
      const c = await ctx.chart();
      const ids = (await readdir(join(c.root, "clients")).catch(() => [] as string[])).filter((d) => d.startsWith("cl_"));
      // A full id, or a prefixed id prefix (cl_ab3...) naming one client, is found without
      // decrypting the others. A bare query may also be part of a name: resolveClient decides.
      const q = query.trim();
      const exact = ids.find((id) => id === q);
      const byId = exact ? [exact] : q.includes("_") ? ids.filter((id) => idMatches(id, q)) : [];
      if (byId.length === 1) {
        await assertIntact(c, [`clients/${byId[0] as string}`]); // the work tree is what was verified
        return readRecord<ClientRecord>(c, "client", byId[0] as string, byId[0] as string);
      }
      const { records, failures } = await readKind<ClientRecord>(c, "client");
      ctx.reportFailures(failures);
      if (ids.length === 0) throw notFound("E_NO_CLIENTS", "the chart has no clients yet", "add one with: chart client add --name NAME");
      const found = resolveClient(records, query);
      await assertIntact(c, [`clients/${found.id}`]);
      return found;
    },
    reportFailures(failures) {
      for (const f of failures) {
        const m = f.error.message;
        const what = m.startsWith(f.path) ? m.slice(f.path.length).replace(/^:?\s*/, "") : m;
        out.warn(`${f.path}: ${what} (skipped)`);
      }
    },
  };
  return ctx;
}
