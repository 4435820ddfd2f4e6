// `meshlens edges` output: Linkerd's table, wide and JSON (viz/cmd/edges.go), byte for byte.
import { reasonMessage } from "../edges/compute.js";
import type { Edge, EdgesResult, UnreadProxy } from "../edges/types.js";
import type { Explanation, UnscrapedNamespace } from "../explain/types.js";
import { escapeControl } from "./escape.js";
import { tabwriterTable } from "./tabwriter.js";
import type { Theme } from "./theme.js";

/** SECURED: √ for mTLS, else the reason in words (Linkerd would print √ for tls="disabled"). */
export function securedText(edge: Edge): string {
  return edge.security.mtls ? "√" : reasonMessage(edge.security.reason);
}

/** The WHY cell: the cause's id, then what shows it. */
function whyText(explanation: Explanation | undefined): string {
  return explanation === undefined ? "" : `${explanation.cause}: ${explanation.evidence}`;
}

/**
 * Linkerd's layout (text/tabwriter, padding 3), drawn by tabwriter.ts; with --explain a WHY column
 * after SECURED.
 */
export function renderEdgesTable(
  edges: readonly Edge[],
  wide: boolean,
  theme: Theme,
  explanations?: ReadonlyArray<Explanation | undefined>,
): string {
  const head = [
    "SRC",
    "DST",
    "SRC_NS",
    "DST_NS",
    ...(wide ? ["CLIENT_ID", "SERVER_ID"] : []),
    "SECURED",
    ...(explanations ? ["WHY"] : []),
  ];
  const rows = edges.map((edge, i) => {
    const secured = securedText(edge);
    const why = explanations ? [escapeControl(whyText(explanations[i]))] : [];
    const cells = [
      edge.src,
      edge.dst,
      edge.srcNamespace,
      edge.dstNamespace,
      ...(wide ? [edge.clientId, edge.serverId] : []),
    ].map((cell) => escapeControl(cell));
    return {
      plain: [...cells, escapeControl(secured), ...why],
      // Linkerd colours √ green and bold; a reason stays plain.
      shown: [...cells, edge.security.mtls ? theme.ok(secured) : escapeControl(secured), ...why],
    };
  });
  return tabwriterTable(
    head,
    rows.map((row) => row.shown),
    rows.map((row) => row.plain),
  );
}

/** `-o json`: Linkerd's keys in Linkerd's order; `no_tls_reason` is the message ("" when mTLS). */
export function renderEdgesJson(
  edges: readonly Edge[],
  explanations?: ReadonlyArray<Explanation | undefined>,
): string {
  const rows = edges.map((edge, i) => ({
    src: edge.src,
    src_namespace: edge.srcNamespace,
    dst: edge.dst,
    dst_namespace: edge.dstNamespace,
    client_id: edge.clientId,
    server_id: edge.serverId,
    no_tls_reason: edge.security.mtls ? "" : reasonMessage(edge.security.reason),
    ...(explanations?.[i] ? { explanation: explanations[i] } : {}),
  }));
  return `${JSON.stringify(rows, null, 2)}\n`;
}

/** Proxies that could not be read, in few lines: RBAC once per namespace, the same reason grouped. */
function unreadLines(unread: readonly UnreadProxy[], suggestPrometheus: boolean): string[] {
  const lines: string[] = [];
  const forbidden = new Map<string, UnreadProxy>();
  const byReason = new Map<string, UnreadProxy[]>();
  for (const proxy of unread) {
    if (proxy.forbidden) forbidden.set(proxy.namespace, forbidden.get(proxy.namespace) ?? proxy);
    else byReason.set(proxy.reason, [...(byReason.get(proxy.reason) ?? []), proxy]);
  }
  for (const [namespace, proxy] of forbidden)
    lines.push(
      `cannot read the proxies' metrics in namespace "${namespace}": ${proxy.reason}${suggestPrometheus ? " (or use --prometheus, which needs no access to the pods)" : ""}`,
    );
  for (const [reason, proxies] of byReason) {
    const named = proxies.map((p) => `${p.namespace}/${p.pod}`);
    lines.push(
      proxies.length > 5
        ? `cannot read ${proxies.length} proxies' metrics (${named.slice(0, 3).join(", ")}, …): ${reason}`
        : `cannot read ${named.join(", ")}'s metrics: ${reason}`,
    );
  }
  return lines;
}

/**
 * What stderr says of a read that is not whole: the proxies that could not be read, the callers
 * in other namespaces that could not be listed, and that the edges are incomplete. "" when whole.
 */
export function renderEdgesGaps(result: EdgesResult, suggestPrometheus: boolean): string {
  const lines = unreadLines(result.unread, suggestPrometheus);
  if (result.elsewhereUnread !== undefined) lines.push(result.elsewhereUnread);
  const count = result.unread.length;
  if (count > 0)
    lines.push(
      `the edges are incomplete: ${count} ${count === 1 ? "proxy" : "proxies"} could not be read`,
    );
  else if (result.elsewhereUnread !== undefined)
    lines.push("the edges are incomplete: callers in other namespaces were not read");
  return lines.map((line) => `meshlens: ${escapeControl(line)}\n`).join("");
}

/**
 * `--prometheus --explain`: the meshed pods Prometheus does not scrape, once per namespace, with
 * why when the cluster shows it (linkerd/linkerd2#9150). Their edges are missing, not plaintext.
 */
export function renderUnscraped(namespaces: readonly UnscrapedNamespace[]): string {
  const lines: string[] = [];
  for (const { namespace, pods, denyPolicyOn } of namespaces) {
    const failing = pods.filter((p) => p.up === "failing").length;
    const names = pods.slice(0, 3).map((p) => p.name);
    const more = pods.length > 3 ? ` and ${pods.length - 3} more` : "";
    const up =
      failing === pods.length
        ? "up is 0: the scrapes fail"
        : failing === 0
          ? "Prometheus has no target for them"
          : `up is 0 for ${failing}, no target for ${pods.length - failing}`;
    lines.push(
      `Prometheus does not scrape ${pods.length} meshed ${pods.length === 1 ? "pod" : "pods"} in namespace ${namespace} (${up}): ${names.join(", ")}${more}; their edges are missing`,
    );
    if (denyPolicyOn !== undefined) {
      lines.push(
        `  why: config.linkerd.io/default-inbound-policy "deny" on the ${denyPolicyOn} refuses the scrapes of the proxies' admin port (linkerd/linkerd2#9150)`,
        `  fix: linkerd viz allow-scrapes --namespace ${namespace} | kubectl apply -f -`,
      );
    } else {
      lines.push(
        `  why: cause unknown: no default-deny policy on them; see Prometheus's targets page for job="linkerd-proxy"`,
      );
    }
  }
  return lines.map((line) => `meshlens: ${escapeControl(line)}\n`).join("");
}
