// Every proxy's leaf expiry in one Prometheus query, for clusters too big to port-forward to each
// pod: the proxies report `control_identity_cert_expiration_timestamp_seconds` (older proxies
// `identity_cert_expiration_timestamp_seconds`), and linkerd-viz's scrape config labels each series
// with `namespace` and `pod`.

import { getText } from "../http-text.js";
import { type Cluster, KubeApiError } from "../k8s/types.js";
import { firstLine } from "../shared/first-line.js";
import type { PrometheusSource } from "./types.js";

export const EXPIRY_QUERY =
  "max by (namespace, pod) (control_identity_cert_expiration_timestamp_seconds) or max by (namespace, pod) (identity_cert_expiration_timestamp_seconds)";

export interface ReportedExpiry {
  namespace: string;
  pod: string;
  expiresAt: Date;
}

async function get(url: URL): Promise<string> {
  const response = await getText(url, { timeout: 30_000 });
  if (response.status >= 400) {
    // Prometheus says what was wrong in its JSON ({"status":"error","error":...}); use its words.
    let said: string | undefined;
    try {
      said = (JSON.parse(response.body) as { error?: string }).error;
    } catch {
      said = undefined;
    }
    throw new Error(said ?? `HTTP ${response.status}: ${response.body.slice(0, 200)}`);
  }
  return response.body;
}

export interface InstantSeries {
  metric?: Record<string, string>;
  value?: [number, string];
}

/** The series of a Prometheus instant-query answer; its own error when it did not succeed. */
export function parseInstantAnswer(body: string): InstantSeries[] {
  let answer: { status?: string; error?: string; data?: { result?: InstantSeries[] } };
  try {
    answer = JSON.parse(body);
  } catch {
    throw new Error(`the answer is not Prometheus' JSON (${JSON.stringify(body.slice(0, 60))})`);
  }
  if (answer.status !== "success") throw new Error(answer.error ?? "the query did not succeed");
  return answer.data?.result ?? [];
}

/** Per-pod expiries from the answer to EXPIRY_QUERY. */
export function expiriesOf(series: InstantSeries[]): ReportedExpiry[] {
  return series.flatMap((s) => {
    const namespace = s.metric?.namespace;
    const pod = s.metric?.pod;
    const value = Number(s.value?.[1]);
    return namespace === undefined || pod === undefined || !Number.isFinite(value)
      ? []
      : [{ namespace, pod, expiresAt: new Date(value * 1000) }];
  });
}

/** An instant query against the source, its failures worded with where it was sent. */
export async function queryPrometheus(
  source: PrometheusSource,
  cluster: Cluster,
  promql: string,
): Promise<InstantSeries[]> {
  const query = `/api/v1/query?query=${encodeURIComponent(promql)}`;
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
            {
              verb: "get",
              resource: "services/proxy",
              namespace: source.namespace,
              name: "prometheus:9090",
            },
          );
    return parseInstantAnswer(body);
  } catch (error) {
    // RBAC's refusal stays what it is, so the callers can skip what needed it and name it.
    if (error instanceof KubeApiError && error.failure === "forbidden") throw error;
    throw new Error(`cannot query ${where}: ${firstLine(error)}`);
  }
}

export async function queryLeafExpiries(
  source: PrometheusSource,
  cluster: Cluster,
): Promise<ReportedExpiry[]> {
  return expiriesOf(await queryPrometheus(source, cluster, EXPIRY_QUERY));
}
