// Every proxy's leaf expiry in one Prometheus query, for clusters too big to port-forward to each
// pod: the proxies report `control_identity_cert_expiration_timestamp_seconds` (older proxies
// `identity_cert_expiration_timestamp_seconds`), and linkerd-viz's scrape config labels each series
// with `namespace` and `pod`.
import { firstLine } from "../errors.js";
import { getText } from "../http-text.js";
import type { Cluster } from "../k8s/types.js";

export type PrometheusSource =
  | { kind: "url"; url: string }
  /** linkerd-viz's Prometheus, through the API server's service proxy. */
  | { kind: "viz"; namespace: string };

export const EXPIRY_QUERY =
  "max by (namespace, pod) (control_identity_cert_expiration_timestamp_seconds) or max by (namespace, pod) (identity_cert_expiration_timestamp_seconds)";

export interface ReportedExpiry {
  namespace: string;
  pod: string;
  expiresAt: Date;
}

async function get(url: URL): Promise<string> {
  const response = await getText(url, { timeout: 30_000 });
  if (response.status >= 400)
    throw new Error(`HTTP ${response.status}: ${response.body.slice(0, 200)}`);
  return response.body;
}

/** Parses a Prometheus instant-query answer into per-pod expiries. */
export function parseExpiryAnswer(body: string): ReportedExpiry[] {
  const answer = JSON.parse(body) as {
    status?: string;
    error?: string;
    data?: { result?: Array<{ metric?: Record<string, string>; value?: [number, string] }> };
  };
  if (answer.status !== "success") throw new Error(answer.error ?? "the query did not succeed");
  return (answer.data?.result ?? []).flatMap((series) => {
    const namespace = series.metric?.namespace;
    const pod = series.metric?.pod;
    const value = Number(series.value?.[1]);
    return namespace === undefined || pod === undefined || !Number.isFinite(value)
      ? []
      : [{ namespace, pod, expiresAt: new Date(value * 1000) }];
  });
}

export async function queryLeafExpiries(
  source: PrometheusSource,
  cluster: Cluster,
): Promise<ReportedExpiry[]> {
  const query = `/api/v1/query?query=${encodeURIComponent(EXPIRY_QUERY)}`;
  const where =
    source.kind === "url"
      ? source.url
      : `the linkerd-viz Prometheus (service ${source.namespace}/prometheus:9090)`;
  try {
    const body =
      source.kind === "url"
        ? await get(
            new URL(query.slice(1), source.url.endsWith("/") ? source.url : `${source.url}/`),
          )
        : await cluster.getRaw(
            `/api/v1/namespaces/${source.namespace}/services/prometheus:9090/proxy${query}`,
          );
    return parseExpiryAnswer(body);
  } catch (error) {
    throw new Error(`cannot query ${where}: ${firstLine(error)}`);
  }
}
