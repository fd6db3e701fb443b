/**
 * What every command gets: global options, output, and lazy access to the chart. Opening the
 * chart (identity, recipients, MAC key) happens only for commands that need it.
 */
import { resolveClient, type ClientRecord } from "../domain/client.js";
import { parseDate, type IsoDate } from "../domain/dates.js";
import { ChartError, invalid, notFound } from "../domain/errors.js";
import { idMatches, makeId, shortId, type IdKind } from "../domain/ids.js";
import { dateInZone, resolveTimeZone } from "../domain/timezone.js";
import { incompleteError } from "./incomplete.js";
import { unlockOptions } from "./unlock.js";
import { identityPath, loadIdentity } from "../store/identity.js";
import { settleImports } from "../store/import-journal.js";
import { setReadProgress } from "../store/read-progress.js";
import { readProgressFor } from "./progress.js";
import { listDir, readKind, readRecord, type ReadFailure } from "../store/records.js";
import { findRoot, openChart, type Chart } from "../store/repo.js";
import { readPractice } from "../store/practice.js";
import { voidedClients } from "../store/voids.js";
import { recoverKeyChange } from "../store/key-journal.js";
import { ensureSigningKey, signingKeyPath } from "../store/signing-key.js";
import { ensureVerified } from "../store/verify.js";
import { assertIntact } from "../store/worktree.js";
import type { Deps } from "./deps.js";
import { makeOutput, type Output } from "./output.js";
import { textOf } from "../domain/text-of.js";

export interface GlobalOptions {
  repo?: string;
  identity?: string;
  json?: boolean;
  color?: boolean; // commander's --no-color sets color: false
  quiet?: boolean;
  wide?: boolean; // tables at full width, never cut to the terminal
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
  /** How many records this command has decrypted so far (0 before the chart is open). */
  readsSoFar(): number;
  /** The practice's time zone (src/domain/timezone.ts): the setting, else the system's. */
  timeZone(): string;
  /** Today in the practice's time zone. */
  today(): IsoDate;
  /** A date option: parsed and checked (future refused unless allowFuture), or today when absent. */
  date(value: unknown, what: string, opts?: { allowFuture?: boolean }): IsoDate;
  /** A date option that may be absent. */
  optionalDate(value: unknown, what: string, opts?: { allowFuture?: boolean }): IsoDate | undefined;
  newId(kind: IdKind): string;
  /** Resolve a client by id, id prefix or unique part of the name. */
  /**
   * A client by id, id prefix or name; `all` brings discharged clients into name matching,
   * `allowVoided` accepts a client voided as entered in error.
   */
  client(query: string, o?: { all?: boolean; allowVoided?: boolean }): Promise<ClientRecord>;
  /** Warn about records that could not be read (named, never their content). */
  reportFailures(failures: readonly ReadFailure[]): void;
  /**
   * Records in the scope of a listing that could not be read or verified: named on stderr now,
   * and the command ends with a non-zero exit once it has printed the others (never silent).
   */
  incomplete(failures: readonly ReadFailure[]): void;
  /** Every failure passed to incomplete() so far. */
  readonly unreadable: ReadFailure[];
}

export function makeCtx(deps: Deps, opts: GlobalOptions): Ctx {
  const out = makeOutput(deps, { json: !!opts.json, quiet: !!opts.quiet, noColor: opts.color === false, wide: opts.wide === true });
  let chart: Promise<Chart> | undefined;
  let opened: Chart | undefined;
  let practiceZone: string | undefined;
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
        const identity = await loadIdentity(idPath, unlockOptions(deps));
        const signing = await ensureSigningKey(idPath, identity);
        if (signing.created) out.warn(`created this device's signing key ${signingKeyPath(idPath)} (mode 0600): chart signs every commit with it`);
        opened = await openChart(root, identity, deps.env, signing.key);
        // "Today" follows the practice's time zone once the chart is open (chart practice set).
        practiceZone = (await readPractice(opened).catch((e: unknown): { timeZone?: string } => {
          out.warn(`the practice profile cannot be read (${e instanceof Error ? e.message : "error"}); dates use this system's time zone`);
          return {};
        })).timeZone;
        const progress = readProgressFor(deps, { json: !!opts.json, quiet: !!opts.quiet });
        if (progress) setReadProgress(opened, progress);
        // No command ever sees half of a killed import: it is undone (or kept whole) first.
        const settling = opened;
        await settleImports(settling).catch((e: unknown) => {
          out.warn(`an interrupted import could not be settled yet: ${e instanceof Error ? e.message : String(e)}`);
        });
        return opened;
      })()),
    openedChart: () => chart ?? unverified,
    readsSoFar: () => opened?.touched.read.size ?? 0,
    // The practice's zone once the chart is open (commands open it before reading dates).
    timeZone: () => resolveTimeZone(practiceZone, deps.env),
    today: () => dateInZone(deps.now(), ctx.timeZone()),
    date: (value, what, o) => ctx.optionalDate(value, what, o) ?? ctx.today(),
    optionalDate: (value, what, o = {}) =>
      value === undefined || value === null || value === "" ? undefined : parseDate(textOf(value), what, ctx.today(), o),
    newId: (kind) => makeId(kind, deps.random(16)),
    async client(query, o = {}) {
      const found = await findClient(query, o.all ?? (opts as { all?: unknown }).all === true);
      if (!o.allowVoided) {
        const { voided, failures } = await voidedClients(await ctx.chart(), [found.id]);
        if (failures.length) {
          // An unreadable void might be this client's: refuse rather than write to it.
          ctx.reportFailures(failures);
          throw incompleteError(failures);
        }
        if (voided.has(found.id)) throw invalid("E_CLIENT_VOIDED", `client ${shortId(found.id)} was voided (entered in error)`, "see chart client list --all; work on the client the records belong to");
      }
      return found;
    },
    unreadable: [],
    incomplete(failures) {
      ctx.reportFailures(failures);
      ctx.unreadable.push(...failures);
    },
    reportFailures(failures) {
      for (const f of failures) {
        const m = f.error.message;
        const what = m.startsWith(f.path) ? m.slice(f.path.length).replace(/^:?\s*/, "") : m;
        out.warn(`${f.path}: ${what} (skipped)`);
      }
    },
  };
  async function findClient(query: string, includeDischarged: boolean): Promise<ClientRecord> {
    const c = await ctx.chart();
    const ids = (await listDir(c, "clients")).filter((d) => d.startsWith("cl_"));
    // A full id, or a prefixed id prefix (cl_ab3...) naming one client, is found without
    // decrypting the others. A bare query may also be part of a name: resolveClient decides.
    const q = query.trim();
    const exact = ids.find((id) => id === q);
    const byId = exact ? [exact] : q.includes("_") ? ids.filter((id) => idMatches(id, q)) : [];
    if (byId.length === 1) {
      await assertIntact(c, [`clients/${byId[0] as string}`]); // the work tree is what was verified
      return readRecord(c, "client", byId[0] as string, byId[0] as string);
    }
    const { records, failures } = await readKind(c, "client");
    if (failures.length) {
      // A name matched against only some profiles could pick the wrong client.
      ctx.reportFailures(failures);
      const n = failures.length;
      throw new ChartError(
        "invalid",
        "E_INCOMPLETE",
        `${n} client profile${n === 1 ? "" : "s"} could not be read, so "${q}" cannot be matched by name safely`,
        `name the client by id (its folder under clients/); ${failures[0]?.error.hint ?? "run chart fsck --decrypt"}`,
        { unreadable: failures.map((f) => ({ path: f.path, code: f.error.code })) },
      );
    }
    if (ids.length === 0) throw notFound("E_NO_CLIENTS", "the chart has no clients yet", "add one with: chart client add --name NAME");
    // A name names a live client: a voided duplicate does not make it ambiguous.
    const { voided } = await voidedClients(c, records.map((r) => r.id));
    const live = records.filter((r) => !voided.has(r.id));
    const found = resolveClient(live.length ? live : records, query, { includeDischarged });
    await assertIntact(c, [`clients/${found.id}`]); // the work tree is what was verified
    return found;
  }

  return ctx;
}
