// What the proxy layer hands to the domain: a proxy's view of its certificate, and where a
// Prometheus is. Types only.

export interface ProxyIdentityMetrics {
  /** When the proxy says its certificate expires. */
  expiresAt: Date | undefined;
  /** Failed refreshes counted by the proxy (0 when it does not say). */
  refreshErrors: number;
}

export type PrometheusSource =
  | { kind: "url"; url: string }
  /** linkerd-viz's Prometheus, through the API server's service proxy. */
  | { kind: "viz"; namespace: string };
