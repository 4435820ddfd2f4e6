// The built-in scenarios by name, with what each breaks: light (no certificates, no objects), so
// `completion` and `demo --list-scenarios` can name them without loading the simulator.

export const SCENARIO_CATALOGUE = [
  {
    name: "healthy",
    description: "Everything valid: P-256 anchor (10 years) and issuer (1 year).",
  },
  {
    name: "issuer-expiring-soon",
    description: "The issuer certificate expires in 30 days: a 60-day warning.",
  },
  {
    name: "issuer-expiring-within-week",
    description: "The issuer certificate expires in 5 days: meshlens' critical issuer alert.",
  },
  {
    name: "issuer-expired",
    description: "The issuer certificate expired 5 days ago.",
  },
  {
    name: "issuer-not-yet-valid",
    description: "The issuer certificate only becomes valid in 10 days.",
  },
  {
    name: "anchor-expired",
    description: "The trust anchor expired 2 days ago (the issuer it signed is still in date).",
  },
  {
    name: "anchor-expiring-soon",
    description:
      "The trust anchor expires in 20 days: a 60-day warning (the issuer is still in date).",
  },
  {
    name: "issuer-untrusted",
    description: "The issuer was signed by a CA that is not in the trust bundle.",
  },
  {
    name: "rsa-anchor",
    description: "An RSA-2048 trust anchor signing a P-256 issuer (allowed).",
  },
  {
    name: "issuer-p384",
    description: "A P-384 issuer certificate (Linkerd requires P-256).",
  },
  {
    name: "anchor-rotation",
    description:
      "Two anchors in the bundle during a rotation; emojivoto pods carry the same bundle in another order and layout (equal as certificates).",
  },
  {
    name: "stale-trust-bundle",
    description:
      "A trust anchor rotation is done, but emojivoto's web and voting pods were not restarted: they still carry the old bundle.",
  },
  {
    name: "issuer-drift",
    description:
      "The issuer Secret was rotated but the identity service still signs leaves with the previous issuer (linkerd/linkerd2#15109).",
  },
  {
    name: "expired-leaf",
    description: "The voting proxy could not renew its certificate: its leaf expired an hour ago.",
  },
  {
    name: "proxies-not-ready",
    description: "The web proxy is not ready and the emoji pod is stuck Pending.",
  },
  {
    name: "scale",
    description:
      "Many meshed pods across many namespaces, for benchmarks (demo --pods N --namespaces M).",
  },
  {
    name: "proxies-unresponsive",
    description:
      "The voting proxy accepts connections but never answers; the emoji proxy refuses them.",
  },
  {
    name: "malformed-pem",
    description: "The issuer certificate in the Secret is cut short (not a PEM certificate).",
  },
  {
    name: "issuer-key-mismatch",
    description: "The issuer Secret's key.pem does not belong to its crt.pem.",
  },
  {
    name: "missing-secret-key",
    description: "The issuer Secret has no key.pem.",
  },
  {
    name: "external-issuer",
    description:
      "Issuer scheme kubernetes.io/tls (cert-manager): ca.crt, tls.crt, tls.key in the Secret.",
  },
  {
    name: "control-plane-not-ready",
    description: "The linkerd-destination pod's containers are not ready.",
  },
  {
    name: "unmeshed-client",
    description:
      "A client without a proxy (curl in namespace unmeshed) calls web: plaintext Linkerd's edges never shows.",
  },
  {
    name: "unmeshed-service",
    description:
      "web calls a service with no proxy (legacy/ledger): Not Provided By Service Discovery.",
  },
  {
    name: "skip-and-opaque-ports",
    description:
      "vote-bot's proxy skips port 80 (plaintext to web, unseen outbound); voting's port 8080 is opaque (still mTLS).",
  },
  {
    name: "tls-disabled",
    description:
      "vote-bot's proxy runs without identity (config.linkerd.io/disable-identity): its connections to web are tls=\"disabled\" (Linkerd's edges shows √).",
  },
  {
    name: "ingress-without-override",
    description:
      "An ingress proxy (linkerd.io/inject: ingress) calls web without l5d-dst-override: no mTLS, √ in Linkerd's edges.",
  },
  {
    name: "closed-connections",
    description:
      "A meshed job (emojivoto/report) that calls voting with short connections: none open now.",
  },
  {
    name: "webhook-cert-expiring-soon",
    description: "The proxy-injector webhook certificate expires in 10 days.",
  },
  {
    name: "addressed-by-ip",
    description:
      "vote-bot calls voting by pod IP, not its service name: discovery gives it no identity, no mTLS (linkerd/linkerd2#3498).",
  },
  {
    name: "scrape-denied",
    description:
      "emojivoto's default inbound policy is deny and nothing authorizes the proxies' admin port: Prometheus gets 403 and its edges vanish (linkerd/linkerd2#9150).",
  },
  // A trust-anchor rotation at each step (issue 19; docs/rotation.md walks them).
  {
    name: "rotation-new-anchor-bundled",
    description:
      "Manual rotation: the new anchor is in the bundle and linkerd-config; the data plane still holds only the old one.",
  },
  {
    name: "rotation-bundle-everywhere",
    description:
      "Manual rotation: every proxy holds both anchors; the issuer is still the old anchor's.",
  },
  {
    name: "rotation-issuer-rotated",
    description:
      "Manual rotation: the issuer is the new anchor's; the proxies still serve leaves from the old issuer.",
  },
  {
    name: "rotation-ready-to-remove-old-anchor",
    description:
      "Manual rotation: every live leaf comes from the new issuer; the old anchor can go.",
  },
  {
    name: "rotation-old-anchor-removed",
    description:
      "Manual rotation: the bundle holds only the new anchor; the data plane still holds both.",
  },
  {
    name: "rotation-cm-new-anchor-bundled",
    description:
      "cert-manager + trust-manager (externalCA, kubernetes.io/tls): the anchor was renewed and bundled with the previous one; the data plane holds only the old one.",
  },
  {
    name: "rotation-cm-bundle-everywhere",
    description:
      "cert-manager + trust-manager: every proxy holds both anchors; the issuer is still the old anchor's.",
  },
  {
    name: "rotation-cm-issuer-rotated",
    description:
      "cert-manager + trust-manager: the issuer was renewed from the new anchor; leaves are still the old issuer's.",
  },
  {
    name: "rotation-cm-ready-to-remove-old-anchor",
    description:
      "cert-manager + trust-manager: every live leaf comes from the new issuer; linkerd-previous-anchor can take the new anchor.",
  },
  {
    name: "rotation-cm-old-anchor-removed",
    description:
      "cert-manager + trust-manager: the bundle collapsed to the new anchor; the data plane still holds both.",
  },
  {
    name: "rotation-issuer-before-bundle",
    description:
      "Danger: the issuer is the new anchor's but the data plane holds only the old one (it rejects every new leaf).",
  },
  {
    name: "rotation-anchor-removed-early",
    description:
      "Danger: the old anchor left the bundle while the live leaves still chain to it (linkerd/linkerd2#4287).",
  },
  {
    name: "rotation-control-plane-not-restarted",
    description:
      "Danger: trust-manager updated the bundle but the control plane and identity controller still run on the old one (linkerd/linkerd2#13613).",
  },
  {
    name: "rotation-config-disagrees",
    description:
      "Danger: the bundle holds both anchors but linkerd-config, which linkerd check reads, only the old one.",
  },
] as const;

export type ScenarioName = (typeof SCENARIO_CATALOGUE)[number]["name"];

export function scenarioNames(): ScenarioName[] {
  return SCENARIO_CATALOGUE.map((scenario) => scenario.name);
}

export function isScenarioName(name: string): name is ScenarioName {
  return SCENARIO_CATALOGUE.some((scenario) => scenario.name === name);
}
