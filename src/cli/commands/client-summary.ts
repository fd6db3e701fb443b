/**
 * Extra sections of `chart client show` (current medications and diagnoses, consents).
 * Filled in by the history and consent features; empty until then.
 */
import type { ClientRecord } from "../../domain/client.js";
import type { Ctx } from "../context.js";

export interface ClientSummary {
  json: Record<string, unknown>;
  lines: string[];
}

export async function clientSummary(_ctx: Ctx, _client: ClientRecord): Promise<ClientSummary> {
  return { json: {}, lines: [] };
}
