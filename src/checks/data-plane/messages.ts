// How the data-plane checks word what they found about many proxies: a line per proxy, or one
// line for many with the same cause.
import { forbiddenNeeds } from "../../errors.js";
import { dataPlaneOf, listing } from "../shared.js";
import type { CheckContext, ProxyFinding } from "../types.js";

export const podName = (context: CheckContext, finding: { namespace: string; pod: string }) =>
  dataPlaneOf(context).options.namespace === undefined
    ? `${finding.namespace}/${finding.pod}`
    : finding.pod;

/** More pods than this with the same reason are one line (-o json still lists each). */
const SAME_REASON_LINES = 5;

/**
 * One line per proxy that could not be asked, but one line for many with the same cause: a user
 * without `create` on `pods/portforward` (the built-in `view` role) or a struggling API server would
 * otherwise get the same words once per pod, thousands of lines. RBAC denials are grouped by
 * namespace (their text names each pod), other reasons when more than SAME_REASON_LINES pods share
 * one.
 */
export function unreachableLines(context: CheckContext, silent: ProxyFinding[]): string[] {
  const groups = new Map<string, ProxyFinding[]>();
  for (const f of silent) {
    const key = f.forbidden ? `forbidden in ${f.namespace}` : `reason ${f.reason ?? ""}`;
    const members = groups.get(key);
    if (members === undefined) groups.set(key, [f]);
    else members.push(f);
  }
  return [...groups.values()].flatMap((members) => {
    const first = members[0] as ProxyFinding;
    if (members.length <= (first.forbidden ? 1 : SAME_REASON_LINES))
      return members.map((f) =>
        f.forbidden
          ? `${podName(context, f)}: skipped: ${forbiddenNeeds(portForwardIn([f.namespace]))}`
          : `${podName(context, f)}: ${f.reason ?? "unknown"}`,
      );
    const names = members.slice(0, 3).map((f) => podName(context, f));
    const examples = `(${names.join(", ")}${members.length > 3 ? ", …" : ""})`;
    return first.forbidden
      ? [
          `${members.length} pods in namespace "${first.namespace}" ${examples}: skipped: ${forbiddenNeeds(portForwardIn([first.namespace]))}`,
        ]
      : [`${members.length} pods ${examples}: ${first.reason ?? "unknown"}`];
  });
}

/** The permission a port-forward to these namespaces' proxies needs, in kubectl's words. */
export function portForwardIn(namespaces: readonly string[]): string {
  const [only, ...more] = [...new Set(namespaces)].sort();
  return more.length === 0
    ? `create pods/portforward in namespace "${only}"`
    : `create pods/portforward in namespaces ${[only, ...more].map((ns) => `"${ns}"`).join(", ")}`;
}

/** Names the pods a passing check did not ask (terminating, proxy not ready), the first few. */
export function notAskedNote(context: CheckContext, skipped: ProxyFinding[]): string | undefined {
  if (skipped.length === 0) return undefined;
  const shown = 5;
  const more =
    skipped.length > shown ? [`and ${skipped.length - shown} more (-o json lists them)`] : [];
  return listing(`${skipped.length} ${skipped.length === 1 ? "pod was" : "pods were"} not asked:`, [
    ...skipped.slice(0, shown).map((f) => `${podName(context, f)}: ${f.reason ?? "skipped"}`),
    ...more,
  ]);
}
