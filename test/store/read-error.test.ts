import { describe, expect, it } from "vitest";
import { EXIT } from "../../src/domain/errors.js";
import { readFailure } from "../../src/store/read-error.js";

const errno = (code: string) => Object.assign(new Error(code), { code });

describe("readFailure", () => {
  it("calls only a really absent file not found", () => {
    expect(readFailure("a.age", errno("ENOENT")).exit).toBe(EXIT.notFound);
    expect(readFailure("a.age", errno("ENOTDIR")).exit).toBe(EXIT.notFound);
  });
  it.each([
    ["EMFILE", "E_TOO_MANY_OPEN_FILES", EXIT.storage],
    ["ENFILE", "E_TOO_MANY_OPEN_FILES", EXIT.storage],
    ["EACCES", "E_READ_DENIED", EXIT.storage],
    ["EPERM", "E_READ_DENIED", EXIT.storage],
    ["EIO", "E_READ_FAILED", EXIT.storage],
    ["EISDIR", "E_NOT_A_FILE", EXIT.invalid],
  ])("%s is its own error, with a hint and the cause kept", (code, want, exit) => {
    const cause = errno(code);
    const e = readFailure("clients/x/notes/y.age", cause);
    expect(e.code).toBe(want);
    expect(e.exit).toBe(exit);
    expect(e.hint).toBeTruthy();
    expect(e.message).not.toMatch(/does not exist/);
    expect(e.cause).toBe(cause);
  });
});
