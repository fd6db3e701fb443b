/** Who signs: $CHART_CLINICIAN, else git's user.name, else "clinician". */
import { execFile } from "node:child_process";
import type { Env } from "./env.js";

export async function clinicianName(env: Env, cwd: string): Promise<string> {
  if (env.CHART_CLINICIAN?.trim()) return env.CHART_CLINICIAN.trim();
  const fromGit = await new Promise<string>((resolve) => {
    execFile("git", ["config", "--get", "user.name"], { cwd, env, timeout: 5000 }, (err, out) =>
      resolve(err ? "" : out.trim()),
    );
  });
  return fromGit || "clinician";
}
