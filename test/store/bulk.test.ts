import { tempDir } from "../support/tmp.js";
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { ChartError } from "../../src/domain/errors.js";
import { makeId } from "../../src/domain/ids.js";
import type { NoteRecord } from "../../src/domain/note.js";
import { encryptFor, nativeX25519Recipient } from "../../src/store/age.js";
import { commitNewRecords } from "../../src/store/bulk.js";
import { loadIdentity } from "../../src/store/identity.js";
import { readKind } from "../../src/store/records.js";
import { openChart, type Chart } from "../../src/store/repo.js";
import { inprocSandbox, type Inproc } from "../support/inproc.js";
import { AGE, git, verifyTrackedFiles } from "../support/verify.js";

let sb: Inproc;
let chart: Chart;
let cid: string;
const rnd = () => new Uint8Array(Array.from({ length: 16 }, () => Math.floor(Math.random() * 256)));
const note = (body: string): NoteRecord => ({
  chart: 1, kind: "note", id: makeId("note", rnd()), client: cid, created: "2024-01-01T00:00:00Z", type: "progress", template: "free", date: "2024-01-01", status: "draft", body,
});
const commits = () => Number(git(sb.repo, ["rev-list", "--count", "HEAD"]).trim());

beforeAll(async () => {
  sb = await inprocSandbox();
  cid = await sb.ok(["client", "add", "--name", "Bulk Person"]);
  chart = await openChart(sb.repo, await loadIdentity(sb.identity), sb.env);
});

describe("native X25519 recipient (inside age-encryption)", () => {
  it("is read by the stock age tool and by age-encryption, across chunk boundaries and with several recipients", async () => {
    const dir = tempDir("chart-bulk-");
    const keys = [0, 1, 2].map((i) => {
      const file = join(dir, `id${i}`);
      execFileSync("age-keygen", ["-o", file], { stdio: "ignore" });
      return { file, recipient: execFileSync("age-keygen", ["-y", file], { encoding: "utf8" }).trim() };
    });
    const { Decrypter, Stanza } = await import("age-encryption");
    for (const k of keys) expect(await nativeX25519Recipient(k.recipient, Stanza)).toBeDefined();
    expect(await nativeX25519Recipient("age1notarecipient", Stanza)).toBeUndefined();
    for (const size of [0, 1, 1000, 65536, 65537, 200_000]) {
      const plain = Buffer.alloc(size, "x");
      const file = join(dir, `f${size}.age`);
      const data = await encryptFor(plain, { recipients: keys.map((k) => k.recipient) });
      writeFileSync(file, data);
      for (const k of keys) {
        const r = spawnSync(AGE, ["-d", "-i", k.file, file], { maxBuffer: 1 << 24 });
        expect(r.status, r.stderr.toString()).toBe(0);
        expect(Buffer.compare(r.stdout, plain)).toBe(0);
      }
      const d = new Decrypter();
      d.addIdentity(execFileSync("grep", ["^AGE-SECRET-KEY", (keys[1] as { file: string }).file], { encoding: "utf8" }).trim());
      expect(Buffer.compare(Buffer.from(await d.decrypt(data)), plain)).toBe(0);
    }
  });
});

describe("commitNewRecords", () => {
  it("writes many records as one commit that stock age and the chart both read", async () => {
    const before = commits();
    // More than git's fastimport.unpackLimit (100), under which git stores a pack's blobs loose.
    const notes = Array.from({ length: 120 }, (_, i) => note(`bulk note ${i}\n`));
    const paths = await commitNewRecords(chart, notes, "chart: import");
    expect(paths).toHaveLength(120);
    expect(commits()).toBe(before + 1);
    expect(git(sb.repo, ["log", "-1", "--format=%s"]).trim()).toBe("chart: import");
    expect(git(sb.repo, ["status", "--porcelain"]).trim()).toBe("");
    const { records, failures } = await readKind(chart, "note", cid);
    expect(failures).toEqual([]);
    expect(records.filter((r) => r.body.startsWith("bulk note"))).toHaveLength(120);
    expect(verifyTrackedFiles(sb.repo, sb.identity).length).toBeGreaterThan(120);
    // Every file's blob came to git in a pack, as it was written (src/store/blob-pack.ts): staging
    // wrote no object file for them, and git finds the repository whole.
    const blobs = paths.map((p) => git(sb.repo, ["rev-parse", `HEAD:${p}`]).trim());
    const packed = new Set(
      readdirSync(join(chart.gitDir, "objects", "pack"))
        .filter((f) => f.endsWith(".idx"))
        .flatMap((f) => execFileSync("git", ["show-index"], { input: readFileSync(join(chart.gitDir, "objects", "pack", f)), encoding: "utf8" }).split("\n").map((l) => l.split(" ")[1])),
    );
    for (const b of blobs) expect(packed.has(b)).toBe(true);
    for (const b of blobs) expect(existsSync(join(chart.gitDir, "objects", b.slice(0, 2), b.slice(2)))).toBe(false);
    expect(spawnSync("git", ["fsck", "--strict"], { cwd: sb.repo, encoding: "utf8" }).status).toBe(0);
  });

  it("a pack git cannot write costs nothing but time: the blobs are then written by staging", async () => {
    const { openBlobPack } = await import("../../src/store/blob-pack.js");
    const broken = openBlobPack({ gitDir: join(tempDir("chart-nopack-"), "not-a-git-dir"), env: { PATH: process.env.PATH ?? "" } });
    await broken.add(new Uint8Array(100_000)); // resolves whatever git did with it
    expect(await broken.finish()).toBe(false);
    const gitless = openBlobPack({ gitDir: chart.gitDir, env: { PATH: "/nonexistent" } });
    await gitless.add(new Uint8Array(10));
    expect(await gitless.finish()).toBe(false);
  });

  it("refuses to replace an existing record, writing nothing", async () => {
    const [first] = (await readKind(chart, "note", cid)).records;
    const before = commits();
    const fresh = note("fresh\n");
    await expect(commitNewRecords(chart, [fresh, { ...(first as NoteRecord), body: "replaced\n" }], "chart: import")).rejects.toMatchObject({ code: "E_EXISTS", exit: 5 });
    expect(commits()).toBe(before);
    expect(existsSync(join(sb.repo, "clients", cid, "notes", `${fresh.id}.age`))).toBe(false);
  });

  it("refuses a name that exists in another case (one file on a case-insensitive disk), and names a folder it cannot read", async () => {
    const before = commits();
    const other = note("other case\n");
    const dir = join(sb.repo, "clients", cid, "notes");
    const variant = join(dir, `${other.id.toUpperCase()}.age`);
    writeFileSync(variant, "not a record");
    try {
      await expect(commitNewRecords(chart, [note("fine\n"), other], "chart: import")).rejects.toMatchObject({ code: "E_EXISTS", exit: 5 });
    } finally {
      rmSync(variant);
    }
    expect(commits()).toBe(before);
    // A folder that cannot be listed (here a file where the client's folder would be: ENOTDIR,
    // which root meets too) is named, not taken for "nothing there".
    const ghost = makeId("client", rnd());
    const blocker = join(sb.repo, "clients", ghost);
    writeFileSync(blocker, "not a folder");
    try {
      const e = await commitNewRecords(chart, [{ ...note("blocked\n"), client: ghost }], "chart: import").catch((x: unknown) => x);
      expect(e).toBeInstanceOf(ChartError);
      expect((e as ChartError).code).not.toBe("E_EXISTS");
      expect((e as ChartError).message).toContain(ghost);
    } finally {
      rmSync(blocker);
    }
    expect(commits()).toBe(before);
  });

  it("on a git failure removes and unstages what it wrote", async () => {
    const before = commits();
    const lock = join(chart.gitDir, "index.lock");
    writeFileSync(lock, "");
    const fresh = [note("a\n"), note("b\n")];
    try {
      await expect(commitNewRecords(chart, fresh, "chart: import")).rejects.toBeInstanceOf(ChartError);
    } finally {
      execFileSync("rm", ["-f", lock]);
    }
    expect(commits()).toBe(before);
    expect(git(sb.repo, ["status", "--porcelain"]).trim()).toBe("");
    const names = readdirSync(join(sb.repo, "clients", cid, "notes"));
    for (const n of fresh) expect(names).not.toContain(`${n.id}.age`);
    expect(names.some((f) => f.startsWith("."))).toBe(false);
  });
});
