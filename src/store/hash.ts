/** SHA-256 as "sha256:<hex>" for signatures, and bare hex for manifests. */
import { createHash } from "node:crypto";

export const sha256Hex = (data: string | Uint8Array): string => createHash("sha256").update(data).digest("hex");

export const contentHash = (data: string | Uint8Array): string => `sha256:${sha256Hex(data)}`;
