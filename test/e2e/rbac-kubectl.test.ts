// The simulator holds every request to RBAC as kube-apiserver does, and answers kubectl's
// questions about it (issue 20): `kubectl auth can-i` (SelfSubjectAccessReview, sent as protobuf),
// `--list` (SelfSubjectRulesReview), `kubectl create token` (TokenRequest), impersonation.
import { describe, expect, it } from "vitest";
import type { KubeObject } from "../../src/sim/index.js";
import { runShell, simulatorsForThisFile, toolForTests } from "./helpers.js";

const kubectl = toolForTests("kubectl", ["version", "--client"], "the RBAC tests with kubectl");
const sim = simulatorsForThisFile();

/** A pod reader in emojivoto, bound to emojivoto's `web` service account. */
const POD_READER: KubeObject[] = [
  {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "Role",
    metadata: { name: "pod-reader", namespace: "emojivoto" },
    rules: [{ apiGroups: [""], resources: ["pods"], verbs: ["get", "list"] }],
  },
  {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "RoleBinding",
    metadata: { name: "web-reads-pods", namespace: "emojivoto" },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "pod-reader" },
    subjects: [{ kind: "ServiceAccount", name: "web", namespace: "emojivoto" }],
  },
];
const WEB = "system:serviceaccount:emojivoto:web";

async function kube(kubeconfig: string, script: string) {
  return runShell(`K="kubectl --kubeconfig $1"; ${script}`, {}, [kubeconfig]);
}

describe.skipIf(kubectl.skip)("RBAC, as kubectl sees it", () => {
  it("auth can-i answers as a real cluster would, for the admin and an impersonated account", async () => {
    const s = await sim({ objects: POD_READER });
    const answers = await kube(
      s.kubeconfigPath,
      [
        "$K auth can-i create pods/portforward -n emojivoto",
        `$K auth can-i list pods -n emojivoto --as=${WEB}`,
        `$K auth can-i get pods --subresource=proxy -n emojivoto --as=${WEB}`,
        `$K auth can-i list pods -n linkerd --as=${WEB}`,
        `$K auth can-i get secrets -n emojivoto --as=${WEB}`,
      ]
        .map((line) => `${line} || true`)
        .join("; "),
    );
    expect(answers.stdout.split("\n").filter(Boolean)).toEqual(["yes", "yes", "no", "no", "no"]);
    const list = await kube(s.kubeconfigPath, `$K auth can-i --list -n emojivoto --as=${WEB}`);
    expect(list.stdout).toMatch(/^pods\s+\[\]\s+\[\]\s+\[get list\]$/m);
    expect(list.stdout).toMatch(/^selfsubjectaccessreviews\.authorization\.k8s\.io\s/m);
  });

  it("create token gives the service account a token the server holds to its bindings", async () => {
    const s = await sim({ objects: POD_READER });
    const run = await kube(
      s.kubeconfigPath,
      `T=$($K -n emojivoto create token web) && $K --token="$T" -n emojivoto get pods -o name | head -1 && $K --token="$T" -n emojivoto get secrets 2>&1; $K --token="$T" get pods -n emojivoto --as=someone 2>&1; true`,
    );
    const lines = run.stdout.trim().split("\n");
    expect(lines[0]).toMatch(/^pod\/emoji-/);
    expect(lines[1]).toBe(
      `Error from server (Forbidden): secrets is forbidden: User "${WEB}" cannot list resource "secrets" in API group "" in the namespace "emojivoto"`,
    );
    // Impersonating needs its own permission, which a service account does not have.
    expect(lines[2]).toBe(
      `Error from server (Forbidden): users "someone" is forbidden: User "${WEB}" cannot impersonate resource "users" in API group "" at the cluster scope`,
    );
    const missing = await kube(s.kubeconfigPath, "$K -n emojivoto create token nobody 2>&1; true");
    expect(missing.stdout).toContain('serviceaccounts "nobody" not found');
  });
});
