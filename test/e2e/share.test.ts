/**
 * chart share and chart disclosures, end to end: what reaches the bundle files (PDF text through
 * pdftotext, FHIR JSON, record.json, manifest), the disclosure record and its commit, refusals
 * that write nothing, bundles outside the repository only, and encryption readable with the
 * stock `age` tool.
 */
import { tempDir } from "../support/tmp.js";
import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { addClient, sandbox, type Sandbox } from "../support/e2e.js";
import { fhirText } from "../support/fhir-text.js";

const AGE = "/usr/bin/age";
const AGE_KEYGEN = "/usr/bin/age-keygen";
const HAS_AGE = existsSync(AGE) && existsSync(AGE_KEYGEN);
const HAS_PDFTOTEXT = spawnSync("pdftotext", ["-v"]).status === 0;
const HAS_SCRIPT = spawnSync("script", ["--version"]).status === 0;
if (!HAS_AGE) console.warn("share.test: /usr/bin/age or age-keygen is missing; the stock-age interop test is skipped");
if (!HAS_PDFTOTEXT) console.warn("share.test: pdftotext is missing; PDF text is checked through the FHIR and JSON outputs only");

const sha256 = (b: Uint8Array | string) => createHash("sha256").update(b).digest("hex");
const commits = (sb: Sandbox) => Number(execFileSync("git", ["rev-list", "--count", "HEAD"], { cwd: sb.repo, encoding: "utf8" }).trim());
const lastMessage = (sb: Sandbox) => execFileSync("git", ["log", "-1", "--format=%s"], { cwd: sb.repo, encoding: "utf8" }).trim();
const outside = () => join(tempDir("chart-share-out-"), "bundle");

/** Every output as text: PDF through pdftotext, the rest as is. */
function bundleText(dir: string): string {
  return readdirSync(dir)
    .map((f) => {
      const p = join(dir, f);
      if (f.endsWith(".pdf")) return HAS_PDFTOTEXT ? execFileSync("pdftotext", [p, "-"], { encoding: "utf8" }) : "";
      if (f.endsWith(".fhir.json")) return fhirText(JSON.parse(readFileSync(p, "utf8")));
      return readFileSync(p, "utf8");
    })
    .join("\n");
}

// Markers: included ones must appear in every output, excluded ones in none.
const SHOWN = ["VISIBLEMARK", "ADDENDMARK", "Ada Example", "sertraline", "F41.1"];
const HIDDEN = ["PRIVMARK", "DRAFTMARK", "SUDMARK", "PSYMARK", "OLDMARK", "REASONMARK", "F10.20", "Ben Other", "EMERGMARK"];

describe("chart share", () => {
  let sb: Sandbox;
  let cid: string;
  let consent: string;
  let n1: string;
  let addendum: string;

  beforeAll(() => {
    sb = sandbox();
    cid = addClient(sb, "Ada Example", ["--dob", "1990-01-02", "--emergency-contact", "EMERGMARK 555"]);
    addClient(sb, "Ben Other");
    n1 = sb.ok(["note", "add", cid, "-m", "Session VISIBLEMARK. <private>PRIVMARK about her brother</private> Plan: continue.", "--sign"]);
    addendum = sb.ok(["note", "amend", n1, "-m", "ADDENDMARK correction."]);
    sb.ok(["note", "add", cid, "-m", "DRAFTMARK unfinished"]);
    sb.ok(["note", "add", cid, "-m", "SUDMARK relapse", "--label", "SUD", "--sign"]);
    sb.ok(["note", "add", cid, "-k", "psychotherapy", "-m", "PSYMARK process", "--sign"]);
    sb.ok(["note", "add", cid, "-m", "OLDMARK long ago", "--date", "2020-01-01", "--sign"]);
    sb.ok(["med", "add", cid, "sertraline", "--dose", "50 mg", "--reason", "REASONMARK"]);
    sb.ok(["dx", "add", cid, "F41.1"]);
    sb.ok(["dx", "add", cid, "F10.20"]); // labelled SUD automatically
    consent = sb.ok(["consent", "add", cid, "--to", "Dr Psych", "--org", "Clinic", "--purpose", "continuity of care", "--share", "demographics,notes,diagnoses,medications", "--from", "2021-01-01", "--expires", "2099-01-01", "--signed", "2024-06-01"]);
    // A fixed date, not "today": a test below sets the practice's time zone to Chicago, where
    // for five hours after midnight UTC it is still the day before this machine's "today".
  });

  it("--dry-run shows the selection and writes nothing", () => {
    const before = commits(sb);
    const dir = outside();
    const r = JSON.parse(sb.ok(["share", cid, "--consent", consent, "--dry-run", "--out", dir, "--json"]));
    expect(r.dryRun).toBe(true);
    expect(r.view.items).toEqual(expect.arrayContaining([cid, n1, addendum]));
    expect(r.view.items).toHaveLength(5); // client, note, addendum, F41.1, sertraline
    expect(JSON.stringify(r.view)).not.toMatch(new RegExp(HIDDEN.join("|")));
    expect(r.withheldDetail.map((w: { reason: string }) => w.reason)).toEqual(
      expect.arrayContaining(["unsigned draft", "labelled SUD: not authorised", "psychotherapy notes need their own authorization", "outside the authorization's date range"]),
    );
    const human = sb.run(["share", cid, "--consent", consent.slice(0, 8), "--dry-run"]);
    expect(human.code).toBe(0);
    expect(human.stdout).toContain("the recipient sees only: Some information may have been withheld");
    expect(human.stdout).toContain("WHY (for you only)");
    expect(human.stderr).toContain("nothing was written");
    expect(commits(sb)).toBe(before);
    expect(existsSync(dir)).toBe(false);
  });

  it("writes exactly what the authorization allows, and records one disclosure in one commit", () => {
    const before = commits(sb);
    const dir = outside();
    const r = sb.run(["share", cid, "--consent", consent, "--out", dir, "--format", "pdf,fhir,json", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain("plaintext");
    const out = JSON.parse(r.stdout);
    expect(readdirSync(dir).sort()).toEqual(["manifest.json", "record.fhir.json", "record.json", "record.pdf"]);
    const text = bundleText(dir);
    for (const m of SHOWN) expect(text, m).toContain(m);
    for (const m of HIDDEN) expect(text, m).not.toContain(m);
    expect(text).toContain("[withheld]");
    expect(text).not.toContain("42 CFR part 2 prohibits");
    // the manifest lists the hash of every other file; the bundle hash is the manifest's own
    const manifest = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8"));
    for (const f of manifest.files) expect(sha256(readFileSync(join(dir, f.name)))).toBe(f.sha256);
    expect(manifest.files).toHaveLength(3);
    expect(out.bundleHash).toBe(`sha256:${sha256(readFileSync(join(dir, "manifest.json")))}`);
    expect(commits(sb)).toBe(before + 1);
    expect(lastMessage(sb)).toBe("chart: record disclosure");
    const log = JSON.parse(sb.ok(["disclosures", cid, "--json"]));
    const d = log.find((x: { id: string }) => x.id === out.disclosure);
    expect(d).toMatchObject({ consent, bundleHash: out.bundleHash, encrypted: false, formats: ["pdf", "fhir", "json"], purposes: ["continuity of care"], recipient: { name: "Dr Psych", organization: "Clinic" } });
    expect(d.items.sort()).toEqual(manifestItems(manifest).sort());
    expect(d.description).toMatch(/^demographics, 1 diagnosis, 1 medication, 1 note with 1 addendum, information dated 2021-01-01 to /);
    expect(JSON.stringify(d)).not.toMatch(new RegExp(HIDDEN.join("|")));
    const table = sb.ok(["disclosures", "Ada"]);
    expect(table).toContain("Dr Psych");
    expect(table).toContain(out.disclosure.slice(0, 11));
  });

  it("each share is its own document, dated with the real instant, and its hash is the one recorded", () => {
    const da = outside();
    const db = outside();
    const a = JSON.parse(sb.ok(["share", cid, "--consent", consent, "--out", da, "--format", "fhir,json", "--json"]));
    const b = JSON.parse(sb.ok(["share", cid, "--consent", consent, "--out", db, "--format", "fhir,json", "--json"]));
    expect(a.bundleHash).not.toBe(b.bundleHash);
    const fa = JSON.parse(readFileSync(join(da, "record.fhir.json"), "utf8"));
    const fb = JSON.parse(readFileSync(join(db, "record.fhir.json"), "utf8"));
    expect(fa.identifier.value).not.toBe(fb.identifier.value);
    expect(fa.entry[0].resource.id).not.toBe(fb.entry[0].resource.id);
    expect(fa.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const log = JSON.parse(sb.ok(["disclosures", cid, "--json"]));
    for (const [out, dir] of [[a, da], [b, db]] as const) {
      const d = log.find((x: { id: string }) => x.id === out.disclosure);
      expect(d.bundleHash).toBe(`sha256:${sha256(readFileSync(join(dir, "manifest.json")))}`);
      expect(d.at).toBe(JSON.parse(readFileSync(join(dir, "record.fhir.json"), "utf8")).timestamp);
      const manifest = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8"));
      expect(manifest.document).toBe(out.disclosure);
      expect(manifest.withheld).not.toMatch(/\d/);
      for (const f of manifest.files) expect(d.files.find((x: { name: string }) => x.name === f.name).sha256).toBe(f.sha256);
    }
  });

  it.skipIf(!HAS_PDFTOTEXT)("a referral letter on the practice's letterhead opens the PDF; the practice signs the FHIR Composition", () => {
    sb.ok(["practice", "set", "--name", "Ellis Counseling", "--clinician", "Jordan Ellis", "--credentials", "LCSW", "--npi", "1234567893", "--license", "012345", "--license-state", "NY", "--time-zone", "America/Chicago"]);
    const dir = outside();
    const letterFile = join(sb.tmp, "letter.txt");
    writeFileSync(letterFile, "Dear Dr Psych,\n\nPlease see Ada for a medication review.\n");
    const bad = sb.run(["share", cid, "--consent", consent, "--out", dir, "--letter", letterFile, "-m", "x"]);
    expect(bad.code).toBe(2);
    sb.ok(["share", cid, "--consent", consent, "--out", dir, "--letter", letterFile, "--question", "Is an SSRI change indicated?"]);
    const pdf = execFileSync("pdftotext", ["-layout", join(dir, "record.pdf"), "-"], { encoding: "utf8" });
    const pages = pdf.split("\f").filter((p) => p.trim() !== "");
    const first = (pages[0] ?? "").replace(/\s+/g, " ");
    expect(first).toContain("Ellis Counseling");
    expect(first).toContain("Re Ada Example");
    expect(first).toContain("Is an SSRI change indicated?");
    expect(first).toContain("Please see Ada for a medication review.");
    expect(first).toContain("Jordan Ellis, LCSW");
    pages.forEach((p, i) => expect(p.replace(/\s+/g, " ")).toContain(`Page ${i + 1} of ${pages.length}`));
    expect(pdf).not.toMatch(/\bnt_[a-z0-9]{10,}/);
    const fhir = JSON.parse(readFileSync(join(dir, "record.fhir.json"), "utf8"));
    const composition = fhir.entry[0].resource;
    expect(composition.attester?.[0]?.mode).toBe("legal");
    const practitioner = fhir.entry.find((e: { resource: { resourceType: string } }) => e.resource.resourceType === "Practitioner").resource;
    expect(practitioner.identifier).toEqual([{ system: "http://hl7.org/fhir/sid/us-npi", value: "1234567893" }]);
    sb.ok(["practice", "set", "--unset", "npi", "--unset", "license", "--unset", "license-state", "--unset", "name", "--unset", "clinician", "--unset", "credentials", "--unset", "time-zone"]);
  });

  it("includes Part 2 material, with its notice, only under a substance-use authorization", () => {
    const sud = sb.ok(["consent", "add", cid, "--to", "Dr Addiction", "--purpose", "treatment", "--share", "notes,diagnoses,substance-use", "--expires-on", "end of treatment", "--signed", "today", "--nameless"]);
    const dir = outside();
    const shared = sb.run(["share", cid, "--consent", sud, "--out", dir, "--format", "pdf,fhir"]);
    expect(shared.code, shared.stderr).toBe(0);
    expect(shared.stderr).toContain("names no one"); // never silently
    const text = bundleText(dir);
    expect(text).toContain("SUDMARK");
    expect(text).toContain("F10.20");
    expect(text).toContain("42 CFR part 2 prohibits");
    for (const m of ["PRIVMARK", "PSYMARK", "Ada Example", "sertraline"]) expect(text, m).not.toContain(m);
  });

  it("refuses expired, revoked, not-yet-signed and other clients' authorizations, writing nothing", () => {
    const base = ["--to", "Dr X", "--purpose", "care", "--share", "notes"];
    const expired = sb.ok(["consent", "add", cid, ...base, "--signed", "2020-01-01", "--expires", "2020-12-31"]);
    const future = sb.ok(["consent", "add", cid, ...base, "--signed", "2099-01-01", "--expires", "2099-12-31"]);
    const revoked = sb.ok(["consent", "add", cid, ...base, "--signed", "today", "--expires", "2099-12-31"]);
    sb.ok(["consent", "revoke", cid, revoked, "--reason", "changed mind"]);
    const bens = sb.ok(["consent", "add", "Ben", ...base, "--signed", "today", "--expires", "2099-12-31"]);
    const before = commits(sb);
    const disclosures = JSON.parse(sb.ok(["disclosures", cid, "--json"])).length;
    for (const [id, code] of [
      [expired, "E_CONSENT_EXPIRED"],
      [future, "E_CONSENT_NOT_SIGNED"],
      [revoked, "E_CONSENT_REVOKED"],
      [bens, "E_CONSENT_OTHER_CLIENT"],
    ] as const) {
      const dir = outside();
      const r = sb.run(["share", cid, "--consent", id, "--out", dir, "--json"]);
      expect(r.code, code).toBe(3);
      expect(JSON.parse(r.stderr).error.code).toBe(code);
      expect(existsSync(dir)).toBe(false);
    }
    expect(commits(sb)).toBe(before);
    expect(JSON.parse(sb.ok(["disclosures", cid, "--json"]))).toHaveLength(disclosures);
  });

  it("refuses a bundle inside the chart repository, and asks before replacing files", () => {
    const before = commits(sb);
    for (const dir of [join(sb.repo, "out"), sb.repo, join(sb.repo, ".git", "x")]) {
      const r = sb.run(["share", cid, "--consent", consent, "--out", dir]);
      expect(r.code, dir).toBe(3);
      expect(r.stderr).toContain("inside the chart repository");
    }
    expect(existsSync(join(sb.repo, "out"))).toBe(false);
    const r = sb.run(["share", cid, "--consent", consent, "--out", "out"], { cwd: join(sb.repo, "clients") });
    expect(r.code).toBe(3);
    const dir = outside();
    sb.ok(["share", cid, "--consent", consent, "--out", dir, "--format", "json"]);
    const again = sb.run(["share", cid, "--consent", consent, "--out", dir, "--format", "json"]);
    expect(again.code).toBe(5);
    expect(again.stderr).toContain("--force");
    expect(commits(sb)).toBe(before + 1);
  });

  it.skipIf(!HAS_AGE)("encrypts to --encrypt-to, or to the key on the authorization; stock age opens the files", () => {
    const keyDir = tempDir("chart-recipient-");
    const key = join(keyDir, "key.txt");
    execFileSync(AGE_KEYGEN, ["-o", key], { stdio: "ignore" });
    const recipient = execFileSync(AGE_KEYGEN, ["-y", key], { encoding: "utf8" }).trim();
    const check = (dir: string, hash: string) => {
      expect(readdirSync(dir).sort()).toEqual(["manifest.json.age", "record.fhir.json.age", "record.pdf.age"]);
      const open = (f: string) => execFileSync(AGE, ["-d", "-i", key, join(dir, f)]);
      const manifest = open("manifest.json.age");
      expect(`sha256:${sha256(manifest)}`).toBe(hash);
      for (const f of JSON.parse(manifest.toString("utf8")).files) expect(sha256(open(`${f.name}.age`))).toBe(f.sha256);
      expect(fhirText(JSON.parse(open("record.fhir.json.age").toString("utf8")))).toContain("VISIBLEMARK");
      expect(readFileSync(join(dir, "record.fhir.json.age")).includes(Buffer.from("VISIBLEMARK"))).toBe(false);
    };
    const dir = outside();
    const r = sb.run(["share", cid, "--consent", consent, "--out", dir, "--encrypt-to", recipient, "--json"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toContain("plaintext");
    const out = JSON.parse(r.stdout);
    check(dir, out.bundleHash);
    const d = JSON.parse(sb.ok(["disclosures", cid, "--json"])).find((x: { id: string }) => x.id === out.disclosure);
    expect(d).toMatchObject({ encrypted: true, encryption: "recipient" });
    expect(d.encryptedFiles.map((f: { name: string }) => f.name).sort()).toEqual(["manifest.json.age", "record.fhir.json.age", "record.pdf.age"]);
    // a key stored on the authorization is used by default
    const keyed = sb.ok(["consent", "add", cid, "--to", "Dr Key", "--purpose", "care", "--share", "notes,demographics", "--expires", "2099-01-01", "--signed", "today", "--recipient-key", recipient]);
    const dir2 = outside();
    const out2 = JSON.parse(sb.ok(["share", cid, "--consent", keyed, "--out", dir2, "--json"]));
    expect(out2.encrypted).toBe(true);
    check(dir2, out2.bundleHash);
  });

  it("encrypts with a passphrase from $CHART_SHARE_PASSPHRASE, never from argv", async () => {
    const dir = outside();
    const none = sb.run(["share", cid, "--consent", consent, "--out", dir, "--passphrase"]);
    expect(none.code).toBe(2);
    expect(existsSync(dir)).toBe(false);
    const out = JSON.parse(sb.ok(["share", cid, "--consent", consent, "--out", dir, "--passphrase", "--format", "json", "--json"], { env: { CHART_SHARE_PASSPHRASE: "correct horse battery" } }));
    expect(readdirSync(dir).sort()).toEqual(["manifest.json.age", "record.json.age"]);
    const { Decrypter } = await import("age-encryption");
    const dec = new Decrypter();
    dec.addPassphrase("correct horse battery");
    const manifest = await dec.decrypt(readFileSync(join(dir, "manifest.json.age")));
    expect(`sha256:${sha256(manifest)}`).toBe(out.bundleHash);
    // stock age reads a passphrase only from a terminal: give it one with script(1)
    if (HAS_AGE && HAS_SCRIPT) {
      const plain = join(tempDir("chart-pass-"), "record.json");
      const r = spawnSync("sh", ["-c", `(sleep 1; printf '%s\n' "$PASS") | script -qec "${AGE} -d -o '${plain}' '${join(dir, "record.json.age")}'" /dev/null`], { env: { ...process.env, PASS: "correct horse battery" }, timeout: 60_000 });
      // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- spawnSync gives null output when the child cannot start
      expect(r.status, r.stderr?.toString()).toBe(0);
      const listed = JSON.parse(new TextDecoder().decode(manifest)).files.find((f: { name: string }) => f.name === "record.json");
      expect(sha256(readFileSync(plain))).toBe(listed.sha256);
    } else console.warn("share.test: script(1) or age missing; passphrase bundle opened with the age package only");
  }, 60_000);
});


function manifestItems(m: { included: Record<string, string[]> }): string[] {
  return [...new Set(Object.values(m.included).flat())];
}

describe("bundle rendering speed", () => {
  // Embedded DejaVu fonts (shaped by fontkit) and a tagged structure tree cost more than the
  // standard fonts did. Measured on the 2-core reference machine while other suites ran: a cold
  // render (first in the process: module load, font parsing, JIT) 5.6-6.9 s, warm renders
  // 1.7-1.9 s. The bound below is on the warm median, the first run is reported.
  it("renders the bundle of a client with 200 notes in under 3 s (warm median of 3)", async () => {
    const { explainShare } = await import("../../src/domain/selection.js");
    const { renderBundle } = await import("../../src/export/bundle.js");
    const CID = `cl_${"a".repeat(26)}`;
    const para = "Client reported improved sleep and fewer panic episodes this week. Practised paced breathing; discussed triggers at work. ";
    const notes = Array.from({ length: 200 }, (_, i) => {
      const d = new Date(Date.UTC(2023, 0, 1 + i * 2)).toISOString().slice(0, 10);
      const id = `nt_${i.toString(32).padStart(26, "b").replace(/[0-9]/g, (c) => "cdefghijkl"[Number(c)] as string)}`;
      return { chart: 1 as const, kind: "note" as const, id, client: CID, created: `${d}T10:00:00Z`, type: "progress" as const, template: "soap", date: d, status: "signed" as const, signed: { by: "Dr Test", key: "age1x", at: `${d}T11:00:00Z`, hash: "sha256:0" }, body: `## Subjective\n${para.repeat(3)}\n<private>x</private>\n## Plan\n- continue\n` };
    });
    const profile = { chart: 1 as const, kind: "client" as const, id: CID, client: CID, created: "2023-01-01T00:00:00Z", name: "Ada Example", status: "active" as const, admitted: "2023-01-01" };
    const grant = { chart: 1 as const, kind: "consent" as const, event: "grant" as const, id: `cs_${"c".repeat(26)}`, client: CID, created: "2023-01-01T00:00:00Z", recipient: { name: "Dr P" }, discloser: "Dr T", purposes: ["care"], categories: ["demographics" as const, "notes" as const], expires: "2099-01-01", signed: "2023-01-01", signedBy: "Ada Example" };
    const once = async () => {
      const t0 = performance.now();
      const { view } = explainShare({ profile, notes, meds: [], dx: [] }, { grant, revocations: [] }, "2025-01-01");
      const r = await renderBundle(view, ["pdf", "fhir", "json"]);
      return { ...r, view, ms: performance.now() - t0 };
    };
    const first = await once();
    const runs = [await once(), await once(), await once()];
    const ms = runs.map((r) => r.ms).sort((a, b) => a - b)[1] ?? Infinity;
    const { view, files, manifest } = first;
    console.info(`share.test: selection and rendering of 200 notes (pdf, fhir, json, manifest): first ${first.ms.toFixed(0)} ms, then median ${ms.toFixed(0)} ms`);
    expect(view.notes).toHaveLength(200);
    expect(files.map((f) => f.name)).toEqual(["record.pdf", "record.fhir.json", "record.json"]);
    expect(manifest.data.length).toBeGreaterThan(0);
    expect(ms).toBeLessThan(3000);
  }, 120_000);
});
