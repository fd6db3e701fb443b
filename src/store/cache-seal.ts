/**
 * How the read cache and the search index are sealed on disk (docs/decisions.md, "The read
 * cache"): compressed, then AES-256-GCM under a key derived (HKDF-SHA256) from this device's
 * age identity and the chart's MAC key. Only this device, with this chart, can open them: a
 * cache copied from another device, another chart, or made before a key change does not open
 * and is rebuilt; a damaged one fails its tag and is rebuilt. Native AES-GCM instead of an age
 * file: the search index is megabytes, and age's payload cipher runs in JavaScript (about
 * 40 MB/s here), which alone would spend the search's time budget.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";
import { deflateRawSync, inflateRawSync } from "node:zlib";
import { deviceSecret } from "./device-secret.js";
import type { Chart } from "./repo.js";

const MAGIC = Buffer.from("chart-cache-2\n");
const keys = new WeakMap<object, Promise<Buffer>>();

type SealChart = Pick<Chart, "identity" | "macKey" | "signingKey">;

/**
 * The key: HKDF over this device's secret (its identity's secret when this process holds it, and
 * its signing key's device secret, which the unlock agent also gives: src/store/device-secret.ts)
 * and the chart's MAC key.
 */
function cacheKey(chart: SealChart): Promise<Buffer> {
  let k = keys.get(chart);
  if (!k) {
    k = deviceSecret(chart).then((device) => {
      const own = typeof chart.identity.key === "string" ? chart.identity.key : "";
      const ikm = Buffer.concat([Buffer.from(own, "utf8"), device, Buffer.from(chart.macKey)]);
      return Buffer.from(hkdfSync("sha256", ikm, Buffer.from(chart.identity.recipient, "utf8"), "chart read cache v2", 32));
    });
    keys.set(chart, k);
  }
  return k;
}

/** Text in, sealed bytes out: MAGIC, 12-byte nonce, ciphertext, 16-byte tag. */
export async function seal(chart: SealChart, text: string): Promise<Buffer> {
  const nonce = randomBytes(12);
  const c = createCipheriv("aes-256-gcm", await cacheKey(chart), nonce);
  c.setAAD(MAGIC);
  const body = Buffer.concat([c.update(deflateRawSync(Buffer.from(text, "utf8"), { level: 1 })), c.final()]);
  return Buffer.concat([MAGIC, nonce, body, c.getAuthTag()]);
}

/** The text sealed in `data`, or undefined for anything this device did not seal for this chart. */
export async function unseal(chart: SealChart, data: Uint8Array): Promise<string | undefined> {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (buf.length < MAGIC.length + 28 || !buf.subarray(0, MAGIC.length).equals(MAGIC)) return undefined;
  try {
    const d = createDecipheriv("aes-256-gcm", await cacheKey(chart), buf.subarray(MAGIC.length, MAGIC.length + 12));
    d.setAAD(MAGIC);
    d.setAuthTag(buf.subarray(buf.length - 16));
    const plain = Buffer.concat([d.update(buf.subarray(MAGIC.length + 12, buf.length - 16)), d.final()]);
    return inflateRawSync(plain).toString("utf8");
  } catch {
    return undefined;
  }
}

const RAW_MAGIC = Buffer.from("chart-cache-raw-1\n");

/** Sealing and opening of raw bytes with this device's cache key, in the same tick (the key is derived once). */
export interface ByteSealer {
  /**
   * Bytes sealed as they are (no compression: the search index, read on every search, where
   * inflating cost more than reading), bound to `context` (authenticated, not stored): a part of
   * one file cannot be passed off as a part of another.
   */
  seal(bytes: Uint8Array, context: Uint8Array): Buffer;
  /** The bytes sealed in `data` with this context, or undefined. */
  open(data: Uint8Array, context: Uint8Array): Buffer | undefined;
}

export async function byteSealer(chart: SealChart): Promise<ByteSealer> {
  const key = await cacheKey(chart);
  return {
    seal(bytes, context) {
      const nonce = randomBytes(12);
      const c = createCipheriv("aes-256-gcm", key, nonce);
      c.setAAD(Buffer.concat([RAW_MAGIC, context]));
      const body = Buffer.concat([c.update(bytes), c.final()]);
      return Buffer.concat([RAW_MAGIC, nonce, body, c.getAuthTag()]);
    },
    open(data, context) {
      const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
      if (buf.length < RAW_MAGIC.length + 28 || !buf.subarray(0, RAW_MAGIC.length).equals(RAW_MAGIC)) return undefined;
      try {
        const d = createDecipheriv("aes-256-gcm", key, buf.subarray(RAW_MAGIC.length, RAW_MAGIC.length + 12));
        d.setAAD(Buffer.concat([RAW_MAGIC, context]));
        d.setAuthTag(buf.subarray(buf.length - 16));
        const body = d.update(buf.subarray(RAW_MAGIC.length + 12, buf.length - 16));
        const rest = d.final(); // checks the tag; GCM gives nothing more here
        return rest.length === 0 ? body : Buffer.concat([body, rest]); // no copy of megabytes
      } catch {
        return undefined;
      }
    },
  };
}
