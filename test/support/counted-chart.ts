import { loadIdentity } from "../../src/store/identity.js";
import { openChart, type Chart } from "../../src/store/repo.js";
import type { Inproc } from "./inproc.js";

/** A fresh chart handle (nothing remembered in memory) whose decryptions are counted. */
export async function countedChart(sb: Pick<Inproc, "repo" | "identity" | "env">): Promise<{ chart: Chart; calls: () => number }> {
  const c = await openChart(sb.repo, await loadIdentity(sb.identity), sb.env);
  let n = 0;
  // eslint-disable-next-line @typescript-eslint/unbound-method -- wraps the cipher's own function, called as before
  const decrypt = c.cipher.decrypt;
  c.cipher.decrypt = (d) => {
    n += 1;
    return decrypt(d);
  };
  return { chart: c, calls: () => n };
}
