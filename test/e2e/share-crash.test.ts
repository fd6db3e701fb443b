/**
 * Shares write nothing visible until complete, under kill -9 at random points: after the next
 * command, no staging folder or temp file (plaintext) is left beside the destination, every
 * destination is absent or holds a whole bundle, and there is a disclosure exactly for each
 * published bundle. A destination holding other files is refused unless --force replaces it.
 */
import { tempDir } from "../support/tmp.js";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addClient, sandbox, type Sandbox } from "../support/e2e.js";
import { allFiles, findNeedles } from "../support/verify.js";

const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");
let sb: Sandbox;
let cid: string;
let consent: string;
let parent: string;
const NEEDLE = "CRASHSHAREMARK";

beforeAll(() => {
  sb = sandbox();
  cid = addClient(sb, "Crash Share");
  for (let i = 0; i < 6; i++) sb.ok(["note", "add", cid, "-m", `${NEEDLE} session ${i} ${"text ".repeat(200)}`, "--sign", "--date", `2025-01-0${i + 1}`]);
  consent = sb.ok(["consent", "add", cid, "--to", "Dr Crash", "--purpose", "care", "--share", "demographics,notes", "--expires", "2099-01-01", "--signed", "2025-01-01"]);
  parent = tempDir("chart-share-crash-");
});
afterAll(() => {
  rmSync(sb.home, { recursive: true, force: true });
  rmSync(parent, { recursive: true, force: true });
});

const disclosures = (): { bundleHash: string }[] => JSON.parse(sb.ok(["disclosures", cid, "--json"]));

function wholeBundle(dir: string): boolean {
  const names = readdirSync(dir).sort();
  const manifest = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")) as { files: { name: string; sha256: string }[] };
  expect(names).toEqual(["manifest.json", ...manifest.files.map((f) => f.name)].sort());
  for (const f of manifest.files) expect(sha256(readFileSync(join(dir, f.name)))).toBe(f.sha256);
  return true;
}

describe("kill -9 during chart share --plaintext", () => {
  it("at 22 random points: nothing half-visible, no plaintext left, a disclosure exactly per published bundle", async () => {
    // how long a whole share takes here, to spread the kills over it
    const t0 = Date.now();
    sb.ok(["share", cid, "--consent", consent, "--plaintext", "--format", "pdf,fhir,json", "--out", join(parent, "timing")]);
    const full = Date.now() - t0;
    const base = disclosures().length;
    const runs = 22;
    for (let i = 0; i < runs; i++) {
      const p = sb.spawn(["share", cid, "--consent", consent, "--plaintext", "--format", "pdf,fhir,json", "--out", join(parent, `b${i}`)]);
      const at = Math.floor(Math.random() * full * 1.1);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => p.kill("SIGKILL"), at);
        p.on("exit", () => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    // the next command, whatever it is, finishes what the killed runs left
    sb.ok(["client", "list"]);
    const left = readdirSync(parent).filter((n) => n.startsWith("."));
    expect(left).toEqual([]);
    let published = 0;
    for (let i = 0; i < runs; i++) {
      const d = join(parent, `b${i}`);
      if (existsSync(d)) {
        expect(wholeBundle(d)).toBe(true);
        published += 1;
      }
    }
    expect(disclosures().length - base).toBe(published);
    expect(readdirSync(join(sb.repo, ".git", "chart", "shares"))).toEqual([]);
    // plaintext only inside the whole bundles the user asked for; none in HOME, TMPDIR, the repository
    const stray = allFiles(parent).filter((f) => !/\/(b\d+|timing)\//.test(f.path));
    expect(findNeedles(stray, [NEEDLE])).toEqual([]);
    expect(findNeedles(allFiles(sb.home), [NEEDLE])).toEqual([]);
    console.info(`share-crash: ${runs} kills over ${full} ms, ${published} bundles published whole, ${runs - published} left nothing`);
  }, 300_000);
});

describe("the destination", () => {
  it("holding files chart did not write is refused without --force; --force replaces it entirely", () => {
    const dir = join(parent, "theirs");
    mkdirSync(dir);
    writeFileSync(join(dir, "their-notes.txt"), "mine");
    const before = disclosures().length;
    const r = sb.run(["share", cid, "--consent", consent, "--plaintext", "--format", "json", "--out", dir]);
    expect(r.code).toBe(5);
    expect(r.stderr).toMatch(/already holds files \(their-notes\.txt\)/);
    expect(readdirSync(dir)).toEqual(["their-notes.txt"]);
    expect(disclosures().length).toBe(before);
    sb.ok(["share", cid, "--consent", consent, "--plaintext", "--format", "json", "--out", dir, "--force"]);
    expect(readdirSync(dir).sort()).toEqual(["manifest.json", "record.json"]);
    expect(disclosures().length).toBe(before + 1);
  });

  it("re-sharing into an earlier bundle's folder with --force leaves no old file beside the new manifest", () => {
    const dir = join(parent, "again");
    sb.ok(["share", cid, "--consent", consent, "--plaintext", "--format", "pdf,json", "--out", dir]);
    expect(sb.run(["share", cid, "--consent", consent, "--plaintext", "--format", "fhir", "--out", dir]).code).toBe(5);
    sb.ok(["share", cid, "--consent", consent, "--plaintext", "--format", "fhir", "--out", dir, "--force"]);
    expect(wholeBundle(dir)).toBe(true);
    expect(readdirSync(dir).sort()).toEqual(["manifest.json", "record.fhir.json"]);
    expect(readdirSync(parent).filter((n) => n.startsWith("."))).toEqual([]);
  });

  it("an empty folder is fine", () => {
    const dir = join(parent, "empty");
    mkdirSync(dir);
    sb.ok(["share", cid, "--consent", consent, "--plaintext", "--format", "json", "--out", dir]);
    expect(wholeBundle(dir)).toBe(true);
  });
});
