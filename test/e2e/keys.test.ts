/** Keys: add a second device's key, remove it, rotate your own; every record re-encrypted in one commit. */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { addClient, sandbox, type Sandbox } from "../support/e2e.js";
import { AGE, git } from "../support/verify.js";

const HAS_AGE = existsSync(AGE) && spawnSync("age-keygen", ["-help"]).error === undefined;
let sb: Sandbox;
let second: { file: string; recipient: string };

const tracked = () => git(sb.repo, ["ls-files", "clients", ".chart/macs.age"]).trim().split("\n").filter(Boolean);
const opens = (identity: string, file: string) => spawnSync(AGE, ["-d", "-i", identity, join(sb.repo, file)]).status === 0;
const commits = () => Number(git(sb.repo, ["rev-list", "--count", "HEAD"]));

beforeAll(() => {
  sb = sandbox();
  addClient(sb, "Kira Keys");
  sb.ok(["note", "add", "kira", "-m", "first note", "--sign"]);
  sb.ok(["med", "add", "kira", "sertraline", "--dose", "50 mg"]);
  if (HAS_AGE) {
    const file = join(sb.home, "laptop-key");
    execFileSync("age-keygen", ["-o", file], { stdio: "ignore" });
    second = { file, recipient: execFileSync("age-keygen", ["-y", file], { encoding: "utf8" }).trim() };
  }
});

describe.skipIf(!HAS_AGE)("keys", () => {
  it("add: a second key opens every record (stock age and chart), in one commit", () => {
    const before = commits();
    const r = sb.run(["key", "add", second.recipient, "--label", "laptop", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).reencrypted).toBe(3); // profile, note, medication
    expect(commits()).toBe(before + 1);
    expect(git(sb.repo, ["log", "-1", "--format=%s"]).trim()).toBe("chart: add key");
    for (const f of tracked()) expect(opens(second.file, f), f).toBe(true);
    expect(sb.ok(["note", "list", "kira", "--identity", second.file])).toContain("first note");
    expect(sb.run(["key", "add", second.recipient, "--label", "again"]).code).toBe(3); // already there
    expect(sb.run(["key", "add", "age1nope", "--label", "bad"]).code).toBe(6);
  });

  it("remove: needs confirmation without a terminal; then the key opens nothing new, and the MAC key changes", () => {
    const head = git(sb.repo, ["rev-parse", "HEAD"]).trim();
    const refused = sb.run(["key", "remove", "laptop"]);
    expect(refused.code).toBe(2);
    expect(git(sb.repo, ["rev-parse", "HEAD"]).trim()).toBe(head);
    const mine = JSON.parse(sb.ok(["key", "show", "--json"])).identity.recipient as string;
    expect(sb.run(["key", "remove", mine, "--yes"]).code).toBe(3); // your own key
    const macsBefore = git(sb.repo, ["rev-parse", "HEAD:.chart/macs.age"]);
    const r = sb.run(["key", "remove", "laptop", "--yes"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/history/);
    for (const f of tracked()) {
      expect(opens(second.file, f), f).toBe(false);
      expect(opens(sb.identity, f), f).toBe(true);
    }
    // The history it could read stays readable to it: removal protects the future only.
    const old = spawnSync(AGE, ["-d", "-i", second.file], { input: execFileSync("git", ["-C", sb.repo, "cat-file", "blob", `${head}:.chart/macs.age`]) });
    expect(old.status).toBe(0);
    expect(git(sb.repo, ["rev-parse", "HEAD:.chart/macs.age"])).not.toBe(macsBefore);
    expect(sb.ok(["note", "list", "kira"])).toContain("first note"); // records verify under the new MAC key
  });

  it("rotate: a new identity for this device; the old one is kept beside it for the history", () => {
    const oldIdentity = execFileSync("cat", [sb.identity], { encoding: "utf8" });
    const r = sb.run(["key", "rotate", "--yes", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.recipient).toMatch(/^age1/);
    expect(execFileSync("cat", [sb.identity], { encoding: "utf8" })).not.toBe(oldIdentity);
    const dir = join(sb.identity, "..");
    expect(readdirSync(dir).some((f) => f.startsWith("identity.old-"))).toBe(true);
    expect(readdirSync(dir).some((f) => f.endsWith(".new"))).toBe(false);
    for (const f of tracked()) expect(opens(sb.identity, f), f).toBe(true);
    expect(opens(out.previous, tracked()[0] as string)).toBe(false);
    expect(sb.ok(["note", "list", "kira"])).toContain("first note");
    expect(git(sb.repo, ["status", "--porcelain"])).toBe("");
  });

  it("a key added by hand with plain git is refused, and cannot be adopted", () => {
    const intruder = join(sb.home, "intruder-key");
    execFileSync("age-keygen", ["-o", intruder], { stdio: "ignore" });
    const r = execFileSync("age-keygen", ["-y", intruder], { encoding: "utf8" }).trim();
    const file = join(sb.repo, ".chart", "recipients");
    const before = git(sb.repo, ["rev-parse", "HEAD"]).trim();
    writeFileSync(file, `${readFileSync(file, "utf8")}# pulled\n${r}\n`);
    git(sb.repo, ["-c", "user.name=x", "-c", "user.email=x@x", "commit", "-qam", "pulled"]);
    const head = git(sb.repo, ["rev-parse", "HEAD"]).trim();
    const refused = sb.run(["note", "add", "kira", "-m", "must not be encrypted for the intruder"]);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toMatch(/E_HISTORY_UNVERIFIED|cannot accept/);
    expect(git(sb.repo, ["rev-parse", "HEAD"]).trim()).toBe(head);
    expect(sb.run(["fsck", "--adopt", "--yes"]).code).toBe(3); // .chart/ changes are never adopted
    git(sb.repo, ["reset", "-q", "--keep", before]);
    expect(sb.run(["note", "list", "kira"]).code).toBe(0);
  });

  it("pinning: a key change signed by another device is accepted as history, but nothing is encrypted until trusted", () => {
    // Device 2: its own identity and signing key, a clone of the chart.
    const clone = join(sb.home, "device2");
    execFileSync("git", ["clone", "-q", sb.repo, clone], { env: sb.env });
    const id2 = join(sb.home, "device2-key");
    execFileSync("age-keygen", ["-o", id2], { stdio: "ignore" });
    const first = sb.run(["key", "show", "--json", "--repo", clone, "--identity", id2]);
    // Not a recipient yet: it cannot open the chart; key show explains what is waiting (exit 0)
    // and prints the line to run elsewhere, with the signing key it made.
    expect(first.code, first.stderr).toBe(0);
    const sign2 = readFileSync(`${id2}.signing`, "utf8");
    expect(sign2).toMatch(/OPENSSH PRIVATE KEY/);
    const pub2 = execFileSync("ssh-keygen", ["-y", "-f", `${id2}.signing`], { encoding: "utf8" }).trim();
    const rec2 = execFileSync("age-keygen", ["-y", id2], { encoding: "utf8" }).trim();
    sb.ok(["key", "add", rec2, "--signing-key", pub2, "--label", "device2"]);
    execFileSync("git", ["-C", clone, "pull", "-q", "--ff-only", sb.repo, "main"], { env: sb.env });
    const shown = sb.run(["key", "show", "--repo", clone, "--identity", id2]);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stderr).toMatch(/Compare the fingerprints/); // first use: fingerprints to compare
    // Device 2 adds a recovery key (a signed key change); device 1 pulls it.
    const rec = join(sb.home, "recovery-key");
    execFileSync("age-keygen", ["-o", rec], { stdio: "ignore" });
    const recR = execFileSync("age-keygen", ["-y", rec], { encoding: "utf8" }).trim();
    const added = sb.run(["key", "add", recR, "--label", "recovery", "--repo", clone, "--identity", id2]);
    expect(added.code, added.stderr).toBe(0);
    execFileSync("git", ["-C", sb.repo, "pull", "-q", "--ff-only", clone, "main"], { env: sb.env });
    const head = git(sb.repo, ["rev-parse", "HEAD"]).trim();
    const refused = sb.run(["note", "add", "kira", "-m", "must wait for trust"]);
    expect(refused.code).toBe(6);
    expect(refused.stderr).toMatch(/E_RECIPIENTS_CHANGED|changed since this device/);
    expect(refused.stderr).toMatch(/chart key trust/);
    expect(git(sb.repo, ["rev-parse", "HEAD"]).trim()).toBe(head);
    expect(JSON.parse(sb.ok(["key", "show", "--json"])).trusted).toBe(false);
    expect(sb.run(["key", "trust"]).code).toBe(2); // confirmation needed without a terminal
    sb.ok(["key", "trust", "--yes"]);
    const id = sb.ok(["note", "add", "kira", "-m", "after trusting"]);
    const path = git(sb.repo, ["ls-files", `clients/*/notes/${id}.age`]).trim();
    expect(opens(rec, path)).toBe(true);
    expect(JSON.parse(sb.ok(["key", "show", "--json"])).trusted).toBe(true);
    // Stock git verifies every commit, the ones from device 2 included.
    for (const c of git(sb.repo, ["rev-list", "HEAD"]).trim().split("\n")) {
      const v = spawnSync("git", ["-c", "gpg.ssh.allowedSignersFile=.chart/allowed_signers", "verify-commit", c], { cwd: sb.repo, env: sb.env });
      expect(v.status, `${c} ${String(v.stderr)}`).toBe(0);
    }
  });
});
