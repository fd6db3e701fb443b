/** How the unlock agent's state is shown (chart unlock, status, key show). */
import { formatSpan } from "../domain/span.js";
import type { AgentInfo } from "../store/agent-client.js";

/** "unlocked (agent 123): ends after 15m idle, at the latest in 7h 59m" */
export function describeAgent(info: AgentInfo, now: number): string {
  return `unlocked (agent pid ${info.pid}): ends after ${formatSpan(info.idleMs)} unused (next in ${formatSpan(info.idleEndsAt - now)}), at the latest in ${formatSpan(info.expiresAt - now)}`;
}

export const agentJson = (info: AgentInfo, now: number) => ({
  pid: info.pid,
  idleTimeoutSeconds: Math.round(info.idleMs / 1000),
  idleEndsAt: new Date(info.idleEndsAt).toISOString(),
  expiresAt: new Date(info.expiresAt).toISOString(),
  remainingSeconds: Math.max(0, Math.round((Math.min(info.idleEndsAt, info.expiresAt) - now) / 1000)),
});


