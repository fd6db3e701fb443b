// The benchmark's chart as `chart import` lines (JSONL): clients, notes of a few words, diagnoses
// and medication events. Shared by bench/run.mjs (the whole bench) and bench/import.mjs (import
// alone, at several sizes), so both time the same kind of chart.
import { randomBytes } from "node:crypto";

export const rid = () => [...randomBytes(26)].map((b) => "abcdefghijklmnopqrstuvwxyz234567"[b & 31]).join("");

const WORDS = ["sleep", "mood", "anxiety", "panic", "work", "family", "grief", "exercise", "appetite", "focus", "café", "relapse"];
const CODES = [["F41.1", "Generalized anxiety disorder"], ["F32.1", "Major depressive disorder, single episode, moderate"], ["F43.10", "Post-traumatic stress disorder, unspecified"], ["G47.00", "Insomnia, unspecified"], ["F40.10", "Social phobia, unspecified"]];

/**
 * `clients` clients, `notes` notes spread over them, `events` diagnosis and medication events
 * (five diagnoses per client, the rest medications started and stopped); with `shareClient`, one
 * more client with 200 notes holding private passages (the share measurement's). Returns the
 * lines and the ids.
 */
export function benchChart({ clients, notes, events, shareClient = false }) {
  const clientIds = [];
  const lines = [];
  for (let c = 0; c < clients; c++) {
    const id = `cl_${rid()}`;
    clientIds.push(id);
    lines.push(JSON.stringify({ kind: "client", id, client: id, created: "2026-01-01T00:00:00Z", name: `Client ${c}`, status: "active", admitted: "2021-01-01" }));
  }
  let big;
  if (shareClient) {
    big = `cl_${rid()}`;
    lines.push(JSON.stringify({ kind: "client", id: big, client: big, created: "2026-01-01T00:00:00Z", name: "Share Client", status: "active", admitted: "2024-01-01", dob: "1980-05-05" }));
    for (let i = 0; i < 200; i++) {
      const date = `2025-${String(1 + (i % 12)).padStart(2, "0")}-${String(1 + (i % 28)).padStart(2, "0")}`;
      lines.push(JSON.stringify({ kind: "note", id: `nt_${rid()}`, client: big, created: "2026-01-01T00:00:00Z", type: "progress", template: "soap", date, status: "signed", body: `## Subjective\nSession ${i}: mood steady, sleep improving.<private>not for sharing ${i}</private>\n\n## Assessment\nProgressing.\n\n## Plan\nContinue weekly CBT.\n` }));
    }
  }
  for (let i = 0; i < notes; i++) {
    const c = clientIds[i % clients];
    const date = `${2021 + (i % 5)}-${String(1 + ((i >> 5) % 12)).padStart(2, "0")}-${String(1 + (i % 28)).padStart(2, "0")}`;
    const w = (k) => WORDS[(i * 7 + k) % WORDS.length];
    lines.push(JSON.stringify({ kind: "note", id: `nt_${rid()}`, client: c, created: "2026-01-01T00:00:00Z", type: "progress", template: "soap", date, status: "signed", body: `## Subjective\nNote ${i}: reports ${w(0)} and ${w(1)}; discussed ${w(2)}.\n\n## Plan\nContinue weekly; review ${w(3)}.\n` }));
  }
  let n = 0;
  for (const c of clientIds) {
    for (const [code, description] of CODES) {
      if (n >= events) break;
      lines.push(JSON.stringify({ kind: "dx", client: c, event: "add", code, description, date: "2022-03-01", status: "active" }));
      n++;
    }
  }
  for (let i = 0; n + 1 < events; i++) {
    const c = clientIds[i % clients];
    const med = `md_${rid()}`;
    lines.push(JSON.stringify({ kind: "med", id: med, med, client: c, created: "2026-01-01T00:00:00Z", event: "start", date: "2022-01-01", name: `medication${i % 40}`, dose: "10 mg" }));
    lines.push(JSON.stringify({ kind: "med", client: c, med, event: "stop", date: "2023-01-01", reason: "course finished" }));
    n += 2;
  }
  return { lines, clientIds, big };
}
