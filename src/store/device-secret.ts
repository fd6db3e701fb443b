/**
 * A secret only this device can produce, for keying its local caches (the read cache and search
 * index, docs/decisions.md "The read cache"; the work-tree check's cache,
 * docs/verifiable-history.md "Cost"): its signing key's seed, or, when the unlock agent holds the
 * key (docs/agent.md), the key's signature of a fixed text. Ed25519 signatures are
 * deterministic, so it is the same every time, and only the key can make it. A device without a
 * signing key gets an empty secret (its caches are then keyed on the chart's MAC key alone).
 */
import { createHash } from "node:crypto";

export interface DeviceSigner {
  /** A key held here has its seed; one held by the unlock agent signs (docs/agent.md). */
  signingKey?: { seed?: Buffer; signDigest(namespace: string, hashAlg: "sha512", digest: Buffer): Promise<Buffer> } | undefined;
}

const secrets = new WeakMap<object, Promise<Buffer>>();

export function deviceSecret(chart: DeviceSigner): Promise<Buffer> {
  let s = secrets.get(chart);
  if (!s) {
    const k = chart.signingKey;
    s = k?.seed ? Promise.resolve(k.seed) : k ? k.signDigest("chart-worktree-cache", "sha512", createHash("sha512").update("chart work-tree cache v1").digest()) : Promise.resolve(Buffer.alloc(0));
    secrets.set(chart, s);
  }
  return s;
}
