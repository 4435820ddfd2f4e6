// What runs beside the control plane: linkerd-viz, the emojivoto demo app, and the scale
// scenario's namespaces of meshed Deployments, each with the traffic it sends.
import { SIM_ANNOTATIONS } from "../annotations.js";
import type { KubeObject } from "../store.js";
import {
  annotateTemplates,
  b64,
  deployment,
  namespace,
  service,
  serviceAccount,
  traffic,
} from "./objects.js";
import { PROXY_VERSION, type ScenarioPki } from "./pki.js";
export function viz(pki: ScenarioPki): KubeObject[] {
  const ns = "linkerd-viz";
  const labels = (component: string) => ({
    "linkerd.io/extension": "viz",
    component,
    app: component,
  });
  return [
    namespace(ns, { "linkerd.io/inject": "enabled" }),
    ...["metrics-api", "prometheus", "tap", "web"].map((name) => serviceAccount(ns, name)),
    ...["metrics-api", "prometheus", "tap", "web"].map((name) =>
      deployment({
        ns,
        name,
        image: `cr.l5d.io/linkerd/${name}:${PROXY_VERSION}`,
        serviceAccount: name,
        labels: labels(name),
        ports: [name === "prometheus" ? 9090 : 8085],
      }),
    ),
    service(ns, "prometheus", "prometheus", 9090),
    service(ns, "tap", "tap", 443),
    // The tap API service's and the tap-injector's serving certificates, as linkerd-viz keeps them.
    ...(["tap", "tap-injector"] as const).map(
      (name): KubeObject => ({
        apiVersion: "v1",
        kind: "Secret",
        metadata: {
          name: `${name}-k8s-tls`,
          namespace: ns,
          labels: { "linkerd.io/extension": "viz" },
        },
        type: "kubernetes.io/tls",
        data: {
          "tls.crt": b64(pki.vizServing[name].certPem),
          "tls.key": b64(pki.vizServing[name].keyPem),
        },
      }),
    ),
    service(ns, "metrics-api", "metrics-api", 8085),
    // linkerd-viz's role for tap users (viz/charts/linkerd-viz/templates/tap-rbac.yaml), to bind.
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRole",
      metadata: { name: "linkerd-linkerd-viz-tap-admin", labels: labels("tap") },
      rules: [
        { apiGroups: [""], resources: ["namespaces"], verbs: ["list"] },
        { apiGroups: ["tap.linkerd.io"], resources: ["*"], verbs: ["watch"] },
      ],
    },
    // linkerd-viz's Prometheus scrapes every meshed proxy's admin port, every 10 s.
    traffic(ns, "prometheus", [
      { from: "deploy/prometheus", to: "proxies/admin", protocol: "http", rps: 0.1 },
    ]),
    {
      apiVersion: "apiregistration.k8s.io/v1",
      kind: "APIService",
      metadata: { name: "v1alpha1.tap.linkerd.io", labels: { "linkerd.io/extension": "viz" } },
      spec: {
        group: "tap.linkerd.io",
        version: "v1alpha1",
        groupPriorityMinimum: 1000,
        versionPriority: 100,
        service: { name: "tap", namespace: ns },
        caBundle: b64(pki.webhookCa.certPem),
      },
      status: {
        conditions: [
          { type: "Available", status: "True", reason: "Passed", message: "all checks passed" },
        ],
      },
    },
  ];
}

/** Namespaces of meshed Deployments for the scale scenario: `pods` pods spread over `namespaces`. */
export function scaleObjects(pods: number, namespaces: number): KubeObject[] {
  const objects: KubeObject[] = [];
  const perNamespace = Math.ceil(pods / namespaces);
  let remaining = pods;
  for (let n = 0; n < namespaces && remaining > 0; n += 1) {
    const ns = `scale-${String(n).padStart(3, "0")}`;
    objects.push(namespace(ns, { "linkerd.io/inject": "enabled" }), serviceAccount(ns, "default"));
    let inNamespace = Math.min(perNamespace, remaining);
    remaining -= inNamespace;
    const flows: Array<Record<string, unknown>> = [];
    for (let d = 0; inNamespace > 0; d += 1) {
      const replicas = Math.min(10, inNamespace);
      inNamespace -= replicas;
      objects.push(
        deployment({
          ns,
          name: `app-${d}`,
          image: "ghcr.io/meshlens/sim-app:1",
          serviceAccount: "default",
          labels: { app: `app-${d}` },
          ports: [8080],
          replicas,
        }),
        service(ns, `app-${d}`, `app-${d}`, 8080),
      );
      // A chain inside the namespace: app-0 -> app-1 -> ... (the first link of each goes on below).
      if (d > 0) flows.push({ from: `deploy/app-${d - 1}`, to: `svc/app-${d}:8080`, rps: 5 });
    }
    // ... and app-0 of each namespace calls app-0 of the next one.
    if (n > 0)
      flows.push({
        from: `scale-${String(n - 1).padStart(3, "0")}/deploy/app-0`,
        to: `svc/app-0:8080`,
        protocol: "grpc",
        rps: 5,
      });
    objects.push(traffic(ns, "scale", flows));
  }
  return objects;
}

export function emojivoto(): KubeObject[] {
  const ns = "emojivoto";
  const app = (name: string, image: string, appLabel: string, sa: string, ports: number[]) =>
    deployment({
      ns,
      name,
      image: `docker.l5d.io/buoyantio/emojivoto-${image}:v11`,
      serviceAccount: sa,
      labels: { app: appLabel, "app.kubernetes.io/part-of": "emojivoto", version: "v11" },
      ports,
    });
  const objects = [
    namespace(ns, { "linkerd.io/inject": "enabled" }),
    ...["emoji", "voting", "web"].map((sa) => serviceAccount(ns, sa)),
    serviceAccount(ns, "default"),
    app("emoji", "emoji-svc", "emoji-svc", "emoji", [8080]),
    app("voting", "voting-svc", "voting-svc", "voting", [8080]),
    app("web", "web", "web-svc", "web", [8080]),
    app("vote-bot", "web", "vote-bot", "default", []),
    service(ns, "emoji-svc", "emoji-svc", 8080),
    service(ns, "voting-svc", "voting-svc", 8080),
    service(ns, "web-svc", "web-svc", 80, 8080),
    // The seed's emojivoto: vote-bot calls web, web calls emoji and voting over gRPC.
    traffic(ns, "emojivoto", [
      {
        from: "deploy/vote-bot",
        to: "svc/web-svc:80",
        protocol: "http",
        rps: 2,
        statuses: { 200: 95, 500: 5 },
        paths: ["/api/list", "/api/vote?choice=:doughnut:", "/api/vote?choice=:rocket:"],
        // vote-bot calls WEB_HOST=web-svc.emojivoto:80, as in emojivoto's manifests.
        authority: "web-svc.emojivoto:80",
      },
      {
        from: "deploy/web",
        to: "svc/emoji-svc:8080",
        protocol: "grpc",
        rps: 4,
        paths: ["/emojivoto.v1.EmojiService/ListAll", "/emojivoto.v1.EmojiService/FindByShortcode"],
        resets: 0.02,
      },
      // emojivoto's voting service fails a share of its calls (its famous "vote for the doughnut").
      {
        from: "deploy/web",
        to: "svc/voting-svc:8080",
        protocol: "grpc",
        rps: 2,
        statuses: { 0: 85, 2: 15 },
        paths: [
          "/emojivoto.v1.VotingService/VoteDoughnut",
          "/emojivoto.v1.VotingService/VoteRocket",
        ],
      },
    ]),
  ];
  // vote-bot keeps the proxy as a classic sidecar in `containers`, as pods injected before native
  // sidecars (edge-23.11.4) still do.
  annotateTemplates(objects, ns, ["vote-bot"], { [SIM_ANNOTATIONS.sidecar]: "classic" });
  return objects;
}
