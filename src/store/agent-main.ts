/**
 * The unlock agent's program (its own bundle entry, started detached by agent-start.ts): reads
 * its settings and the passphrase as one JSON line on standard input (a pipe, never argv or the
 * environment), unlocks, listens, says so on standard output, closes both pipes, and serves
 * until it ends (docs/agent.md).
 */
import { runAgentProcess } from "./agent-process.js";

await runAgentProcess();
