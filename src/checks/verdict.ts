// What a finished run means: passed or not, and the documented exit code for it.
import { ExitCode } from "../errors.js";
import type { CheckReport } from "./types.js";

/** Passed: no check failed, and with --fail-on warning none warned either. */
export function overallSuccess(report: CheckReport, warningsFail: boolean): boolean {
  return report.success && !(warningsFail && report.hasWarnings);
}

/**
 * 0 passed; 1 a check found something; 3 nothing could be read (the API unreachable), or every
 * failure was about access (RBAC, network), not about the mesh.
 */
export function checkExitCode(report: CheckReport, failOn: "error" | "warning"): ExitCode {
  if (report.apiUnreachable) return ExitCode.CouldNotRun;
  // RBAC forbade some reads: what could be checked decides; nothing at all is exit 3.
  if (report.results.length > 0 && report.results.every((r) => r.status === "skipped"))
    return ExitCode.CouldNotRun;
  if (!report.success) {
    const findings = report.results.some((r) => r.status === "error" && r.cause !== "access");
    return findings ? ExitCode.ChecksFailed : ExitCode.CouldNotRun;
  }
  return overallSuccess(report, failOn === "warning") ? ExitCode.Ok : ExitCode.ChecksFailed;
}
