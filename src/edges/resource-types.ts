// The resource types of `linkerd viz edges` and Linkerd's words for the ones it refuses (viz/cmd
// edges.go, pkg/k8s CanonicalResourceNameFromFriendlyName, viz/pkg/util ValidTargets).
import { workloadTypeOf } from "../k8s/workload-types.js";
import type { EdgeResourceType } from "./types.js";

/** Types Linkerd knows but edges refuses, by their friendly names (svc, au, ns ...). */
const KNOWN_UNSUPPORTED: Record<string, string> = {
  svc: "service",
  service: "service",
  services: "service",
  au: "authority",
  authority: "authority",
  authorities: "authority",
  all: "all",
};

export type ResourceTypeParse =
  | { ok: true; type: EdgeResourceType }
  | { ok: false; message: string };

/** Linkerd's validation of the RESOURCETYPE argument (errors prefixed as Linkerd prefixes them). */
export function parseEdgesResourceType(args: readonly string[]): ResourceTypeParse {
  const fail = (message: string): ResourceTypeParse => ({
    ok: false,
    message: `Error creating edges request: ${message}`,
  });
  // cobra.ExactArgs(1), before any request is built.
  if (args.length !== 1) return { ok: false, message: `accepts 1 arg(s), received ${args.length}` };
  const [typeText, resourceName] = (args[0] ?? "").split("/", 2) as [string, string | undefined];
  if (resourceName !== undefined && resourceName !== "")
    return fail(
      `Edges cannot be returned for a specific resource name; remove ${resourceName} from query`,
    );
  const type = workloadTypeOf(typeText);
  if (type !== undefined && type !== "namespace") return { ok: true, type };
  const known = type ?? KNOWN_UNSUPPORTED[typeText.toLowerCase()];
  if (known !== undefined) return fail(`Resource type is not supported: ${known}`);
  return fail(`cannot find Kubernetes canonical name from friendly name [${typeText}]`);
}

/**
 * The metric label for a type (linkerd2 pkg/k8s KindToL5DLabel): `job` is `k8s_job`, since
 * Prometheus keeps `job` for its own scrape job.
 */
export function l5dLabel(type: EdgeResourceType): string {
  return type === "job" ? "k8s_job" : type;
}

/** The pod label Linkerd's injector sets for a workload type (`linkerd.io/proxy-<kind>`). */
export function proxyPodLabel(type: EdgeResourceType): string {
  return `linkerd.io/proxy-${type}`;
}
