// linkerd-identity-data-plane: Linkerd's "data plane proxies certificate match CA" on the bundles,
// and what Linkerd never looks at, the leaf every proxy really serves (linkerd-facts.md 1.7, 1.9;
// linkerd/linkerd2#15109, #7449, #7484).

import { thresholdPhrase } from "../expiry.js";
import { API_QUERY, CERT_CONFIG, clusterOf, dataPlaneOf, listing } from "../shared.js";
import {
  type CategoryDefinition,
  type CheckContext,
  type CheckOutcome,
  type ExpiryThreshold,
  type LeafProblemKind,
  MESHLENS_HINT_BASE,
} from "../types.js";
import { notAskedNote, podName, portForwardIn, unreachableLines } from "./messages.js";
import { NAMESPACE_EXISTS } from "./readiness-category.js";
import { bundleDigests, envTrustAnchors } from "./trust-bundles.js";

export const IDENTITY_DATA_PLANE = "linkerd-identity-data-plane";
const TRUST_ROOTS = "linkerd-identity-trust-roots";

export function identityDataPlaneCategory(leafThreshold: ExpiryThreshold): CategoryDefinition {
  const ids = {
    bundle: `${IDENTITY_DATA_PLANE}/proxies-certs-match-ca`,
    answer: `${IDENTITY_DATA_PLANE}/proxies-answer`,
    issuer: `${IDENTITY_DATA_PLANE}/leaves-issued-by-current-issuer`,
    validity: `${IDENTITY_DATA_PLANE}/leaves-time-valid`,
    expiry: `${IDENTITY_DATA_PLANE}/leaves-not-expiring-soon`,
    identity: `${IDENTITY_DATA_PLANE}/leaf-identities-match-pods`,
  };
  const needs = (context: CheckContext, kind: "live" | "any"): string | undefined => {
    const leaves = dataPlaneOf(context).options.leaves.kind;
    if (leaves === "off") return "leaf verification is off";
    return kind === "live" && leaves !== "live"
      ? "needs the live leaves (not Prometheus)"
      : undefined;
  };
  /** A check over one kind of leaf problem. */
  const leafCheck =
    (kind: LeafProblemKind, heading: string, requirement: "live" | "any") =>
    async (context: CheckContext): Promise<CheckOutcome> => {
      const reason = needs(context, requirement);
      if (reason !== undefined) return { status: "not-applicable", reason };
      const assessments = await dataPlaneOf(context).assessments();
      // Nothing was seen (every proxy unreachable): the answer check says why; judging nothing is not a pass.
      if (
        !assessments.some(
          (a) =>
            a.finding.leaf !== undefined ||
            a.finding.notAfter !== undefined ||
            a.finding.status === "no-identity",
        )
      ) {
        return { status: "not-applicable", reason: "no proxy certificate could be read" };
      }
      const problems = assessments.flatMap((a) =>
        a.problems
          .filter((p) => p.kind === kind)
          .map((p) => `${podName(context, a.finding)}: ${p.text}`),
      );
      // Each pod's certificate is in the JSON document's `proxies`, not repeated per check.
      if (problems.length === 0) return { status: "pass" };
      return { status: "fail", message: listing(heading, problems) };
    };

  return {
    id: IDENTITY_DATA_PLANE,
    checks: [
      {
        id: ids.bundle,
        description: "data plane proxies certificate match CA",
        hintAnchor: "l5d-identity-data-plane-proxies-certs-match-ca",
        severity: "warning",
        requires: [API_QUERY, NAMESPACE_EXISTS],
        async run(context) {
          const cluster = clusterOf(context);
          const facts = dataPlaneOf(context);
          const roots = await cluster.getConfigMap(context.controlPlaneNamespace, TRUST_ROOTS);
          if (roots === undefined)
            return { status: "fail", message: `configmaps "${TRUST_ROOTS}" not found` };
          const digests = new Map<string, Set<string> | undefined>();
          const current = bundleDigests(roots.data["ca-bundle.crt"] ?? "", digests);
          if (current === undefined)
            return {
              status: "fail",
              message: `the ${TRUST_ROOTS} ConfigMap's ca-bundle.crt is not a PEM certificate bundle`,
            };
          const lookups = new Map<string, Promise<string | undefined>>();
          const stale: string[] = [];
          // Linkerd skips the control plane: its proxies read the anchors from the ConfigMap itself.
          for (const pod of (await facts.meshedPods()).filter(
            (p) => p.namespace !== context.controlPlaneNamespace,
          )) {
            const pem = await envTrustAnchors(cluster, pod, lookups);
            if (pem === undefined) continue;
            const theirs = bundleDigests(pem, digests);
            // Compared as sets of certificates: order, whitespace and layout do not matter.
            const same =
              theirs !== undefined &&
              theirs.size === current.size &&
              [...theirs].every((f) => current.has(f));
            if (!same) stale.push(podName(context, { namespace: pod.namespace, pod: pod.name }));
          }
          return stale.length === 0
            ? { status: "pass" }
            : {
                status: "fail",
                message: listing(
                  "Some pods do not have the current trust bundle and must be restarted:",
                  stale,
                ),
              };
        },
      },
      {
        id: ids.answer,
        description: "data plane proxies answer on their admin port",
        hintAnchor: "data-plane-proxies-answer",
        hintBase: MESHLENS_HINT_BASE,
        severity: "error",
        requires: [API_QUERY, NAMESPACE_EXISTS],
        async run(context) {
          const reason = needs(context, "any");
          if (reason !== undefined) return { status: "not-applicable", reason };
          const facts = dataPlaneOf(context);
          const findings = (await facts.assessments()).map((assessment) => assessment.finding);
          const silent = findings.filter((f) => f.status === "unreachable");
          if (silent.length === 0) {
            const note = notAskedNote(
              context,
              findings.filter((f) => f.status === "skipped"),
            );
            return note === undefined ? { status: "pass" } : { status: "pass", note };
          }
          // RBAC kept meshlens from every proxy it could not ask: the check is skipped, not failed,
          // and says the permission (issue 20), as the other checks do.
          if (silent.every((f) => f.forbidden))
            return {
              status: "forbidden",
              permission: portForwardIn(silent.map((f) => f.namespace)),
            };
          const heading =
            facts.options.leaves.kind === "prometheus"
              ? "Some proxies' certificates are not in Prometheus:"
              : "Some proxies could not be checked:";
          // A proxy that refuses or never answers is broken; only failing to reach the API is "access".
          const access = silent.every((f) => f.reason?.startsWith("port-forward failed") ?? false);
          return {
            status: "fail",
            message: listing(heading, unreachableLines(context, silent)),
            cause: access ? "access" : "finding",
          };
        },
      },
      {
        id: ids.issuer,
        description: "data plane proxies serve a certificate issued by the current issuer",
        hintAnchor: "data-plane-leaves-issued-by-current-issuer",
        hintBase: MESHLENS_HINT_BASE,
        severity: "error",
        requires: [API_QUERY, CERT_CONFIG, NAMESPACE_EXISTS],
        run: leafCheck(
          "issuer",
          "Some proxies serve a certificate not issued by the current issuer:",
          "live",
        ),
      },
      {
        id: ids.validity,
        description: "data plane proxy certificates are within their validity period",
        hintAnchor: "data-plane-leaves-time-valid",
        hintBase: MESHLENS_HINT_BASE,
        severity: "error",
        requires: [API_QUERY, NAMESPACE_EXISTS],
        run: leafCheck(
          "validity",
          "Some proxies serve an expired or not yet valid certificate:",
          "any",
        ),
      },
      {
        id: ids.expiry,
        description: `data plane proxy certificates are valid for at least ${thresholdPhrase(leafThreshold, "plural")}`,
        hintAnchor: "data-plane-leaves-not-expiring-soon",
        hintBase: MESHLENS_HINT_BASE,
        severity: "warning",
        requires: [ids.validity],
        run: leafCheck(
          "expiry",
          "Some proxies' certificates expire soon (are they renewing?):",
          "any",
        ),
      },
      {
        id: ids.identity,
        description: "data plane proxy certificates name their pod's identity",
        hintAnchor: "data-plane-leaf-identities-match-pods",
        hintBase: MESHLENS_HINT_BASE,
        severity: "error",
        requires: [API_QUERY, NAMESPACE_EXISTS],
        run: leafCheck("identity", "Some proxies do not serve their pod's identity:", "live"),
      },
    ],
  };
}
