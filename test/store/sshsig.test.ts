import { tempDir } from "../support/tmp.js";
import { execFileSync } from "node:child_process";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { fingerprint, generateSigningKey, parsePrivateKeyFile, parsePublicKey, privateKeyFile, sshSign, sshVerify } from "../../src/store/sshsig.js";

const dir = tempDir("chart-sshsig-");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("SSH signatures (PROTOCOL.sshsig) against stock ssh-keygen", () => {
  const key = generateSigningKey();
  const keyFile = join(dir, "key");
  writeFileSync(keyFile, privateKeyFile(key, "test"), { mode: 0o600 });

  it("writes a private key file ssh-keygen reads, and reads it back", () => {
    const pub = execFileSync("ssh-keygen", ["-y", "-f", keyFile], { encoding: "utf8" }).trim();
    expect(pub.split(" ").slice(0, 2).join(" ")).toBe(key.publicKey);
    const back = parsePrivateKeyFile(privateKeyFile(key, "x"));
    expect(back.publicKey).toBe(key.publicKey);
    expect(parsePublicKey(`${key.publicKey} comment`)?.equals(key.pub)).toBe(true);
    const fp = execFileSync("ssh-keygen", ["-l", "-f", keyFile], { encoding: "utf8" });
    expect(fp).toContain(fingerprint(key.pub));
  });

  it("ssh-keygen -Y verify accepts chart's signature; chart accepts ssh-keygen's", async () => {
    const msg = "hello\n";
    writeFileSync(join(dir, "msg"), msg);
    writeFileSync(join(dir, "msg.sig"), await sshSign(key, "git", msg));
    writeFileSync(join(dir, "signers"), `dev namespaces="git" ${key.publicKey}\n`);
    const out = execFileSync("ssh-keygen", ["-Y", "verify", "-f", join(dir, "signers"), "-I", "dev", "-n", "git", "-s", join(dir, "msg.sig")], {
      input: msg,
      encoding: "utf8",
    });
    expect(out).toContain("Good");
    rmSync(join(dir, "msg2.sig"), { force: true });
    execFileSync("ssh-keygen", ["-q", "-Y", "sign", "-f", keyFile, "-n", "git", join(dir, "msg")]);
    const theirs = execFileSync("cat", [join(dir, "msg.sig")], { encoding: "utf8" });
    const check = sshVerify(theirs, "git", msg);
    expect(check.ok).toBe(true);
  });

  it("rejects a changed message, another namespace, another key", async () => {
    const sig = await sshSign(key, "git", "a");
    expect(sshVerify(sig, "git", "a").ok).toBe(true);
    expect(sshVerify(sig, "git", "b").ok).toBe(false);
    expect(sshVerify(sig, "file", "a").ok).toBe(false);
    const other = generateSigningKey();
    const r = sshVerify(sig, "git", "a");
    expect(r.ok && r.pub.equals(other.pub)).toBe(false);
    expect(sshVerify("garbage", "git", "a").ok).toBe(false);
  });
});
