/**
 * chart export end to end: formats on disk (FHIR validated, PDF text, CSV sessions, Markdown
 * folders), refusals with their exit codes that leave nothing behind, encryption readable with
 * the stock age tool, and examples/monthly-export.sh as cron would run it.
 */
import { tempDir } from "../support/tmp.js";
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addDays } from "../../src/domain/dates.js";
import { addClient, BIN, ROOT, sandbox, type Sandbox } from "../support/e2e.js";
import { fhirErrors } from "../export/fhir-validate.js";

const AGE = "/usr/bin/age";
const AGE_KEYGEN = "/usr/bin/age-keygen";
const HAS_AGE = existsSync(AGE) && existsSync(AGE_KEYGEN);
const HAS_PDFTOTEXT = spawnSync("pdftotext", ["-v"]).status === 0;

const today = new Date().toISOString().slice(0, 10);
const firstOfMonth = `${today.slice(0, 7)}-01`;
const lastMonthDay = addDays(firstOfMonth, -10); // a day in last month
const lastMonth = lastMonthDay.slice(0, 7);

describe("chart export", () => {
  let sb: Sandbox;
  let ada: string;
  let ben: string;
  const temps: string[] = [];
  const outside = () => {
    const d = tempDir("chart-export-");
    temps.push(d);
    return d;
  };
  const err = (r: { stderr: string }) => JSON.parse(r.stderr).error as { code: string; message: string };
  beforeAll(() => {
    sb = sandbox();
    ada = addClient(sb, "Ada Example", ["--dob", "1990-02-03"]);
    ben = addClient(sb, "Ben Other");
    sb.ok(["dx", "add", ada, "F41.1", "--primary", "-d", "2024-01-02"]);
    sb.ok(["note", "add", ada, "-m", "First session ZQFIRSTQZ", "-d", lastMonthDay, "--duration", "53", "--cpt", "90834", "--sign"]);
    sb.ok(["note", "add", ada, "-m", "Older session ZQOLDQZ", "-d", "2024-03-01", "--duration", "45", "--sign"]);
    const wrong = sb.ok(["note", "add", ada, "-m", "Wrong client ZQWRONGQZ", "-d", lastMonthDay]);
    sb.ok(["void", wrong, "--yes", "--reason", "wrong client"]);
    sb.ok(["note", "add", ben, "-m", "Ben session ZQBENQZ", "-d", lastMonthDay, "--duration", "60", "--cpt", "90837", "--sign"]);
  });
  afterAll(() => {
    for (const t of [sb.home, ...temps]) rmSync(t, { recursive: true, force: true });
  });

  it("JSONL on a pipe by default; a month selects by date of service; voided records stay out", () => {
    const all = sb.ok(["export"]);
    expect(all.split("\n").map((l) => JSON.parse(l).kind).sort()).toEqual(["client", "client", "dx", "note", "note", "note"]);
    expect(all).toContain("ZQOLDQZ");
    expect(all).not.toContain("ZQWRONGQZ");
    const month = sb.ok(["export", "--month", lastMonth]);
    expect(month).toContain("ZQFIRSTQZ");
    expect(month).toContain("ZQBENQZ");
    expect(month).not.toContain("ZQOLDQZ");
    const one = sb.ok(["export", "--client", "Ben", "--since", lastMonthDay, "--until", lastMonthDay]);
    expect(one).toContain("ZQBENQZ");
    expect(one).not.toContain(ada);
    const hist = sb.ok(["export", "--with-voided", "--client", ada]);
    expect(hist).toContain("ZQWRONGQZ");
    expect(hist).toContain('"kind":"void"');
  });

  it("CSV: sessions.csv has date, client, kind, minutes, CPT and the primary diagnosis", () => {
    const csv = sb.ok(["export", "--format", "csv", "--table", "sessions", "--month", lastMonth]).split("\r\n");
    expect(csv[0]).toBe("date,client,kind,minutes,cpt,primary_diagnosis,status,note");
    expect(csv).toContainEqual(expect.stringMatching(new RegExp(`^${lastMonthDay},${ada},progress,53,90834,F41.1,signed,nt_`)));
    expect(csv).toContainEqual(expect.stringMatching(new RegExp(`^${lastMonthDay},${ben},progress,60,90837,,signed,nt_`)));
    const dir = join(outside(), "csv");
    sb.ok(["export", "--format", "csv", "--out", dir]);
    expect(readdirSync(dir).sort()).toEqual(["clients.csv", "consents.csv", "diagnosis_events.csv", "disclosures.csv", "medication_events.csv", "notes.csv", "sessions.csv", "voids.csv"]);
  });

  it("Markdown, FHIR and PDF: one per client, FHIR a valid R4 collection Bundle", () => {
    const md = join(outside(), "md");
    sb.ok(["export", "--format", "md", "--out", md]);
    expect(readdirSync(md).sort()).toEqual([ada, ben].sort());
    const readme = readFileSync(join(md, ada, "README.md"), "utf8");
    expect(readme).toContain("# Ada Example");
    expect(readme).toContain("F41.1");
    expect(readdirSync(join(md, ada, "notes"))).toHaveLength(2);
    const fhir = join(outside(), "fhir");
    sb.ok(["export", "--format", "fhir", "--out", fhir]);
    const bundle = JSON.parse(readFileSync(join(fhir, `${ada}.fhir.json`), "utf8"));
    expect(bundle.type).toBe("collection");
    // schema, profile and reference checks; the document-only rules do not apply to a collection
    expect(fhirErrors(bundle).filter((e) => e !== "bundle type is not document" && !e.startsWith("bdl-11"))).toEqual([]);
    expect(JSON.stringify(bundle)).not.toContain("Wrong client");
    const pdf = join(outside(), "pdf");
    sb.ok(["export", "--format", "pdf", "--out", pdf]);
    expect(readdirSync(pdf).sort()).toEqual([`${ada}.pdf`, `${ben}.pdf`].sort());
    if (HAS_PDFTOTEXT) {
      const text = execFileSync("pdftotext", [join(pdf, `${ada}.pdf`), "-"], { encoding: "utf8" });
      expect(text).toContain("ZQFIRSTQZ");
      expect(text).not.toContain("ZQWRONGQZ");
    }
  });

  it("refuses bad input with its exit code, and writes nothing", () => {
    const base = outside();
    const cases: [string[], number, string][] = [
      [["export", "--client", "Nobody"], 4, "E_CLIENT_NOT_FOUND"],
      [["export", "--since", "2024-13-01"], 3, "E_BAD_DATE"],
      [["export", "--month", "2024-1"], 3, "E_BAD_DATE"],
      [["export", "--since", "2024-05-01", "--until", "2024-04-01", "--out", join(base, "a.jsonl")], 2, "E_BAD_RANGE"],
      [["export", "--format", "xml", "--out", join(base, "b")], 2, "E_EXPORT_FORMAT"],
      [["export", "--format", "md"], 2, "E_EXPORT_OUT"],
      [["export", "--out", join(base, "missing", "c.jsonl")], 7, "E_EXPORT_OUT_PARENT"],
      [["export", "--out", join(sb.repo, "export.jsonl")], 3, "E_EXPORT_INSIDE_REPO"],
      [["export", "--format", "md", "--out", join(sb.repo, "md")], 3, "E_EXPORT_INSIDE_REPO"],
      [["export", "--encrypt-to", "age1nope", "--out", join(base, "d.age")], 6, "E_BAD_RECIPIENT"],
    ];
    for (const [args, code, ecode] of cases) {
      const r = sb.run([...args, "--json"]);
      expect([args.join(" "), r.code]).toEqual([args.join(" "), code]);
      expect(err(r).code, args.join(" ")).toBe(ecode);
    }
    expect(readdirSync(base)).toEqual([]);
    expect(execFileSync("git", ["status", "--porcelain"], { cwd: sb.repo, encoding: "utf8" })).toBe("");
    // an existing file is not replaced without --yes; an unwritable folder leaves no temp files
    const f = join(base, "x.jsonl");
    writeFileSync(f, "keep");
    expect(sb.run(["export", "--out", f]).code).toBe(5);
    expect(readFileSync(f, "utf8")).toBe("keep");
    sb.ok(["export", "--out", f, "--yes"]);
    expect(readFileSync(f, "utf8")).toContain(ada);
    const ro = join(base, "ro");
    execFileSync("mkdir", ["-m", "555", ro]);
    if (process.getuid?.() !== 0) {
      const r = sb.run(["export", "--format", "md", "--out", join(ro, "md"), "--json"]);
      expect(r.code).toBe(7);
      expect(readdirSync(ro)).toEqual([]);
    }
    // an empty result: exit 0, a note on stderr, nothing written
    const empty = sb.run(["export", "--month", "2001-01", "--out", join(base, "empty.jsonl")]);
    expect(empty.code).toBe(0);
    expect(empty.stderr).toMatch(/nothing to export/);
    expect(existsSync(join(base, "empty.jsonl"))).toBe(false);
  });

  it.skipIf(!HAS_AGE)("encrypted to a key (or inside the repo when encrypted): stock age reads it", () => {
    const dir = outside();
    const key = join(dir, "offline.txt");
    execFileSync(AGE_KEYGEN, ["-o", key], { stdio: "ignore" });
    const recipient = execFileSync(AGE_KEYGEN, ["-y", key], { encoding: "utf8" }).trim();
    sb.ok(["export", "--encrypt-to", recipient, "--out", join(dir, "all.jsonl.age")]);
    const plain = execFileSync(AGE, ["-d", "-i", key, join(dir, "all.jsonl.age")], { encoding: "utf8" });
    expect(plain).toContain("ZQFIRSTQZ");
    const md = join(dir, "md");
    sb.ok(["export", "--format", "md", "--encrypt-to", recipient, "--out", md]);
    expect(readdirSync(join(md, ada)).sort()).toEqual(["README.md.age", "notes"]);
    const piped = spawnSync(process.execPath, [BIN, "export", "--passphrase"], { cwd: sb.repo, env: { ...sb.env, CHART_EXPORT_PASSPHRASE: "correct horse" }, encoding: "buffer" });
    expect(piped.status).toBe(0);
    expect(piped.stdout.subarray(0, 21).toString()).toBe("age-encryption.org/v1");
  });

  it.skipIf(!HAS_AGE)("examples/monthly-export.sh: last month, all clients, encrypted, a log line; non-zero on failure", () => {
    const dir = outside();
    const key = join(dir, "offline.txt");
    execFileSync(AGE_KEYGEN, ["-o", key], { stdio: "ignore" });
    const recipient = execFileSync(AGE_KEYGEN, ["-y", key], { encoding: "utf8" }).trim();
    const env = { ...sb.env, CHART_REPO: sb.repo, CHART_EXPORT_TO: recipient, CHART_EXPORT_DIR: join(dir, "out"), CHART_BIN: `${process.execPath} ${BIN}` };
    const script = join(ROOT, "examples", "monthly-export.sh");
    const r = spawnSync("bash", [script], { env, encoding: "utf8", cwd: dir });
    expect(r.status, r.stderr).toBe(0);
    const file = join(dir, "out", `chart-${lastMonth}.jsonl.age`);
    const plain = execFileSync(AGE, ["-d", "-i", key, file], { encoding: "utf8" });
    expect(plain).toContain("ZQFIRSTQZ");
    expect(plain).toContain("ZQBENQZ");
    expect(plain).not.toContain("ZQOLDQZ");
    const log = readFileSync(join(dir, "out", "export.log"), "utf8");
    expect(log).toMatch(new RegExp(`chart monthly export ${lastMonth}: ok, \\d+ records`));
    const bad = spawnSync("bash", [script], { env: { ...env, CHART_EXPORT_TO: "age1nope" }, encoding: "utf8", cwd: dir });
    expect(bad.status).not.toBe(0);
    expect(readFileSync(join(dir, "out", "export.log"), "utf8")).toMatch(/FAILED/);
  });
});
