/** Interop with the stock age binary, in both directions, on a real chart repository. */
import { tempDir } from "../support/tmp.js";
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { makeId } from "../../src/domain/ids.js";
import { recordPath, type AnyRecord } from "../../src/domain/record.js";
import { encryptFor, makeCipher } from "../../src/store/age.js";
import { serialize } from "../../src/store/envelope.js";
import { loadIdentity } from "../../src/store/identity.js";
import { inprocSandbox, type Inproc } from "../support/inproc.js";
import { AGE, ageDecrypt, git, macKeyOf, verifyTrackedFiles } from "../support/verify.js";

let sb: Inproc;
let cid: string;
let recipient: string;

beforeAll(async () => {
  sb = await inprocSandbox();
  cid = await sb.ok(["client", "add", "--name", "Ann Lee"]);
  await sb.ok(["note", "add", cid, "-m", "first note"]);
  recipient = (await loadIdentity(sb.identity)).recipient;
});

function noteFor(client: string, body: string): { path: string; record: AnyRecord } {
  const id = makeId("note", new Uint8Array(execFileSync("head", ["-c", "16", "/dev/urandom"])));
  const record: AnyRecord = { chart: 1, kind: "note", id, client, created: "2024-02-01T09:00:00Z", type: "progress", template: "free", date: "2024-02-01", status: "draft", body };
  return { path: recordPath("note", client, id), record };
}

describe("age interop", () => {
  it("the stock age binary is there", () => {
    expect(spawnSync(AGE, ["--version"]).status).toBe(0);
  });

  it("every file chart wrote opens with `age -d -i IDENTITY` and holds a valid envelope", () => {
    const checked = verifyTrackedFiles(sb.repo, sb.identity);
    expect(checked).toContain(".chart/macs.age");
    expect(checked).toContain(`clients/${cid}/profile.age`);
    expect(checked.filter((p) => p.includes("/notes/"))).toHaveLength(1);
    const plain = ageDecrypt(join(sb.repo, "clients", cid, "profile.age"), sb.identity).toString("utf8");
    expect(plain).toMatch(/^name: Ann Lee$/m);
    // binary age, not armored
    expect(readFileSync(join(sb.repo, "clients", cid, "profile.age")).subarray(0, 21).toString()).toBe("age-encryption.org/v1");
  });

  for (const armored of [false, true]) {
    it(`a record encrypted by \`age ${armored ? "-a " : ""}-r\` with a valid envelope is read by chart`, async () => {
      const { path, record } = noteFor(cid, `written by stock age ${armored ? "armored" : "binary"}\n`);
      const text = serialize(record, path, macKeyOf(sb.repo, sb.identity));
      const args = [...(armored ? ["-a"] : []), "-r", recipient, "-o", join(sb.repo, path)];
      execFileSync(AGE, args, { input: text });
      // Not in the verified history yet: refused until committed; committed with plain git, it is
      // adopted after review (chart verifies it, then signs the adoption).
      expect((await sb.run(["note", "show", record.id])).code).toBe(3);
      git(sb.repo, ["add", path]);
      git(sb.repo, ["-c", "user.name=x", "-c", "user.email=x@x", "commit", "-qm", "by hand"]);
      expect((await sb.run(["note", "show", record.id])).code).toBe(3);
      await sb.ok(["fsck", "--adopt", "--yes"]);
      const shown = JSON.parse(await sb.ok(["note", "show", record.id, "--json"]));
      expect(shown.body).toBe(record.body);
      const list = JSON.parse(await sb.ok(["note", "list", cid, "--json"]));
      expect(list.map((n: { id: string }) => n.id)).toContain(record.id);
    });
  }

  it("a record encrypted by stock age without a valid MAC is refused, named, and fsck --repair does not commit it", async () => {
    const { path, record } = noteFor(cid, "ForgedBodyZq\n");
    const text = serialize(record, path, new Uint8Array(32)); // wrong MAC key
    execFileSync(AGE, ["-r", recipient, "-o", join(sb.repo, path)], { input: text });
    const r = await sb.run(["note", "list", cid, "--json"]);
    expect(r.code).toBe(3); // not in the verified history: the client's records are not used
    expect(r.stderr).toContain(path);
    expect(r.stderr).not.toContain("ForgedBodyZq");
    const fsck = await sb.run(["fsck", "--repair"]);
    expect(fsck.code).toBe(3);
    expect(fsck.stdout).toMatch(/MAC does not verify/);
    expect(fsck.stdout + fsck.stderr).not.toContain("ForgedBodyZq");
    expect(git(sb.repo, ["status", "--porcelain"])).toContain(path.split("/").at(-1));
    const show = await sb.run(["note", "show", record.id]);
    expect(show.code).toBe(3);
    rmSync(join(sb.repo, path));
    expect(JSON.parse(await sb.ok(["note", "list", cid, "--json"])).length).toBeGreaterThanOrEqual(1);
  });

  it("makeCipher output and encryptFor output open with stock age; stock age output opens with makeCipher", async () => {
    const dir = tempDir("chart-age-");
    const id = join(dir, "key.txt");
    execFileSync("age-keygen", ["-o", id], { stdio: "ignore" });
    chmodSync(id, 0o600);
    const ident = await loadIdentity(id); // an age-keygen file is a valid chart identity
    const cipher = await makeCipher(ident.key, [ident.recipient]);
    const msg = "héllo ✓ \u0000 binary-safe";
    writeFileSync(join(dir, "a.age"), await cipher.encrypt(msg));
    expect(ageDecrypt(join(dir, "a.age"), id).toString("utf8")).toBe(msg);
    writeFileSync(join(dir, "b.age"), await encryptFor(msg, { recipients: [ident.recipient] }));
    expect(ageDecrypt(join(dir, "b.age"), id).toString("utf8")).toBe(msg);
    const stock = execFileSync(AGE, ["-r", ident.recipient], { input: msg });
    expect(new TextDecoder().decode(await cipher.decrypt(new Uint8Array(stock)))).toBe(msg);
    const armored = execFileSync(AGE, ["-a", "-r", ident.recipient], { input: msg });
    expect(new TextDecoder().decode(await cipher.decrypt(new Uint8Array(armored)))).toBe(msg);
  });
});

describe("post-quantum hybrid keys (age1pq1…)", () => {
  it("a hybrid identity opens what is encrypted to it: the X25519 fast path does not take it", async () => {
    const a = await import("age-encryption");
    const hs = await a.generateHybridIdentity();
    const hr = await a.identityToRecipient(hs);
    const c = await makeCipher(hs, [hr]);
    const ct = await c.encrypt("hybrid body");
    expect(new TextDecoder().decode(ct.subarray(0, 60))).toContain("mlkem768x25519");
    expect(new TextDecoder().decode(await c.decrypt(ct))).toBe("hybrid body");
  });

  it("a mixed set: the X25519 device and the hybrid device both open every file", async () => {
    const a = await import("age-encryption");
    const xs = await a.generateX25519Identity();
    const xr = await a.identityToRecipient(xs);
    const hs = await a.generateHybridIdentity();
    const hr = await a.identityToRecipient(hs);
    const fromX = await (await makeCipher(xs, [xr, hr])).encrypt("mixed");
    const fromH = await (await makeCipher(hs, [xr, hr])).encrypt("mixed");
    for (const s of [xs, hs]) {
      const c = await makeCipher(s, [xr, hr]);
      for (const ct of [fromX, fromH]) expect(new TextDecoder().decode(await c.decrypt(ct))).toBe("mixed");
    }
    // Another hybrid identity opens none of them.
    const other = await makeCipher(await a.generateHybridIdentity(), [hr]);
    await expect(other.decrypt(fromX)).rejects.toThrow();
  });
});
