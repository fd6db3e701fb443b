/**
 * Post-quantum charts: a hybrid (ML-KEM-768 + X25519) identity round-trips through the commands,
 * a mixed set (one X25519 device, one hybrid) works, and an X25519 chart moves with
 * `key rotate --post-quantum`. (Debian's stock age is 1.1, which cannot read hybrid files: no
 * interop test here; stock age 1.3 and later read them.)
 */
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { sandbox, type Sandbox } from "../support/e2e.js";

const made: Sandbox[] = [];
afterAll(() => {
  for (const s of made) rmSync(s.home, { recursive: true, force: true });
});

const header = (sb: Sandbox, rel: string) => readFileSync(join(sb.repo, rel)).subarray(0, 4000).toString("latin1");

it("init --post-quantum: a hybrid chart works through the commands, history, fsck and a second X25519 device", () => {
  const sb = sandbox({ init: false });
  made.push(sb);
  const r = sb.run(["init", "--post-quantum", sb.repo], { cwd: sb.home });
  expect(r.code, r.stderr).toBe(0);
  expect(r.stdout.trim()).toMatch(/^age1pq1/);
  expect(readFileSync(sb.identity, "utf8")).toMatch(/^AGE-SECRET-KEY-PQ-1/m);
  const ok = (args: string[], input?: string) => {
    const x = sb.run(args, { cwd: sb.repo, input });
    if (x.code !== 0) throw new Error(`${args.join(" ")}: ${x.stderr}`);
    return x.stdout.trim();
  };
  const c = ok(["client", "add", "--name", "Quinn Quantum", "--phone", "555 0000"]);
  const n = ok(["note", "add", c, "-m", "hybrid note"]);
  ok(["note", "edit", n, "-m", "hybrid note, edited"]);
  ok(["note", "sign", n]);
  ok(["med", "add", c, "sertraline", "--dose", "50 mg"]);
  ok(["dx", "add", c, "F41.1"]);
  ok(["client", "edit", c, "--phone", "555 0001"]);
  expect(ok(["note", "show", n])).toContain("hybrid note, edited");
  expect(ok(["client", "show", c])).toContain("555 0001");
  expect(ok(["timeline", c])).toContain("sertraline");
  expect(header(sb, `clients/${c}/profile.age`)).toContain("-> mlkem768x25519 ");
  const log = execFileSync("git", ["log", "-p"], { cwd: sb.repo, env: sb.env, encoding: "utf8" });
  expect(log).toContain("+phone: 555 0000");
  expect(ok(["fsck", "--decrypt"])).toBe("");
  // A second, X25519 device: a mixed set, with a warning that the chart is not post-quantum.
  const other = sandbox({ init: false });
  made.push(other);
  other.ok(["init", join(other.home, "scratch")], { cwd: other.home });
  const xr = readFileSync(other.identity, "utf8").match(/public key: (age1\S+)/)?.[1] as string;
  const add = sb.run(["key", "add", xr, "--label", "laptop"], { cwd: sb.repo });
  expect(add.code, add.stderr).toBe(0);
  expect(add.stderr).toContain("mixes post-quantum and X25519");
  expect(sb.ok(["note", "show", n, "--identity", other.identity], { cwd: sb.repo })).toContain("hybrid note, edited");
  expect(ok(["note", "show", n])).toContain("hybrid note, edited");
  const h = header(sb, `clients/${c}/profile.age`);
  expect(h).toContain("-> mlkem768x25519 ");
  expect(h).toContain("-> X25519 ");
});

it("key rotate --post-quantum moves an X25519 chart; key add takes an age1pq1 recipient", () => {
  const sb = sandbox();
  made.push(sb);
  const c = sb.ok(["client", "add", "--name", "Rory Rotate"]);
  sb.ok(["note", "add", c, "-m", "before the move"]);
  const r = sb.run(["key", "rotate", "--post-quantum", "--yes"]);
  expect(r.code, r.stderr).toBe(0);
  expect(readFileSync(sb.identity, "utf8")).toMatch(/^AGE-SECRET-KEY-PQ-1/m);
  expect(readFileSync(join(sb.repo, ".chart", "recipients"), "utf8")).toMatch(/^age1pq1/m);
  expect(header(sb, `clients/${c}/profile.age`)).not.toContain("-> X25519 ");
  expect(sb.ok(["note", "list", c])).toContain("before the move");
  sb.ok(["fsck", "--decrypt"]);
  // History from before the move still shows, through the kept X25519 identity.
  expect(execFileSync("git", ["log", "-p"], { cwd: sb.repo, env: sb.env, encoding: "utf8" })).toContain("name: Rory Rotate");
  const third = sandbox({ init: false });
  made.push(third);
  third.ok(["init", "--post-quantum", join(third.home, "scratch")], { cwd: third.home });
  const pq = readFileSync(third.identity, "utf8").match(/public key: (age1pq1\S+)/)?.[1] as string;
  expect(sb.run(["key", "add", pq, "--label", "pq-desk"]).code).toBe(0);
  expect(sb.ok(["note", "list", c, "--identity", third.identity])).toContain("before the move");
  // An X25519 identity asked to init --post-quantum is refused, nothing created.
  const old = readdirSync(dirname(sb.identity)).find((f) => f.includes(".old-")) as string;
  const refused = sb.run(["init", "--post-quantum", "--identity", join(dirname(sb.identity), old), join(sb.home, "other")], { cwd: sb.home });
  expect(refused.code).toBe(3);
  expect(refused.stderr).toContain("key rotate --post-quantum");
});
