// The API server's answers about permissions and credentials: SelfSubjectAccessReview and
// SelfSubjectRulesReview (authorization.k8s.io/v1, what `kubectl auth can-i` and `--list` send)
// and a service account's TokenRequest (`kubectl create token`). Each is a POST the caller is
// authorized for first, as any other request.
import type { IncomingMessage } from "node:http";
import { rfc3339 } from "../shared/time.js";
import { decodeKubeProtobuf } from "./api-protobuf.js";
import { statusBody } from "./api-status.js";
import type { Authenticator } from "./authn.js";
import { allowedBy, type PolicyRule, rulesFor, type UserInfo } from "./rbac.js";
import { requestBody } from "./request-body.js";
import type { RequestInfo } from "./request-info.js";
import type { ObjectStore } from "./store.js";

const AUTHORIZATION = "/apis/authorization.k8s.io/v1/";

/** The posted object, sent as JSON or, as kubectl sends built-in kinds, as protobuf. */
async function readBody(request: IncomingMessage): Promise<Record<string, unknown> | undefined> {
  const bytes = await requestBody(request);
  if ((request.headers["content-type"] ?? "").startsWith("application/vnd.kubernetes.protobuf"))
    return decodeKubeProtobuf(bytes);
  try {
    const value = JSON.parse(bytes.toString("utf8")) as unknown;
    return typeof value === "object" && value !== null
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

interface ResourceAttributes {
  namespace?: string;
  verb?: string;
  group?: string;
  resource?: string;
  subresource?: string;
  name?: string;
}

function accessReview(
  store: ObjectStore,
  user: UserInfo,
  spec: {
    resourceAttributes?: ResourceAttributes;
    nonResourceAttributes?: { path?: string; verb?: string };
  },
): { allowed: boolean; reason?: string } {
  const asked: RequestInfo | undefined = spec.resourceAttributes
    ? {
        kind: "resource",
        verb: spec.resourceAttributes.verb ?? "",
        group: spec.resourceAttributes.group ?? "",
        resource: spec.resourceAttributes.resource ?? "",
        subresource: spec.resourceAttributes.subresource ?? "",
        namespace: spec.resourceAttributes.namespace || undefined,
        name: spec.resourceAttributes.name || undefined,
      }
    : spec.nonResourceAttributes
      ? {
          kind: "non-resource",
          verb: spec.nonResourceAttributes.verb ?? "",
          path: spec.nonResourceAttributes.path ?? "",
        }
      : undefined;
  if (asked === undefined) return { allowed: false };
  const reason = allowedBy(store, user, asked);
  return reason === undefined ? { allowed: false } : { allowed: true, reason };
}

function rulesReview(store: ObjectStore, user: UserInfo, namespace: string | undefined) {
  const rules = rulesFor(store, user, namespace);
  const resourceRules = rules
    .filter((rule) => rule.nonResourceURLs === undefined)
    .map((rule: PolicyRule) => ({
      verbs: rule.verbs,
      apiGroups: rule.apiGroups ?? [],
      resources: rule.resources ?? [],
      ...(rule.resourceNames ? { resourceNames: rule.resourceNames } : {}),
    }));
  const nonResourceRules = rules
    .filter((rule) => rule.nonResourceURLs !== undefined)
    .map((rule) => ({ verbs: rule.verbs, nonResourceURLs: rule.nonResourceURLs }));
  return { resourceRules, nonResourceRules, incomplete: false };
}

export type AuthzAnswer = { code: number; body: unknown } | undefined;

/** The answer to one of these POSTs, or undefined when the path is none of them. */
export async function answerAuthz(
  request: IncomingMessage,
  path: string,
  user: UserInfo,
  store: ObjectStore,
  authn: Authenticator,
): Promise<AuthzAnswer> {
  const review = path.startsWith(AUTHORIZATION) ? path.slice(AUTHORIZATION.length) : undefined;
  const token = /^\/api\/v1\/namespaces\/([^/]+)\/serviceaccounts\/([^/]+)\/token$/.exec(path);
  if (review === undefined && token === null) return undefined;
  const body = await readBody(request);
  if (body === undefined)
    return {
      code: 400,
      body: statusBody(
        400,
        "BadRequest",
        "the request body is neither JSON nor a known protobuf kind",
      ),
    };
  const spec = (body.spec ?? {}) as Record<string, unknown>;
  if (review === "selfsubjectaccessreviews")
    return {
      code: 201,
      body: {
        ...body,
        status: accessReview(store, user, spec as Parameters<typeof accessReview>[2]),
      },
    };
  if (review === "selfsubjectrulesreviews")
    return {
      code: 201,
      body: {
        ...body,
        status: rulesReview(store, user, (spec.namespace as string | undefined) || undefined),
      },
    };
  if (token !== null) {
    const [, namespace = "", name = ""] = token;
    if (store.get({ apiVersion: "v1", kind: "ServiceAccount" }, namespace, name) === undefined)
      return {
        code: 404,
        body: statusBody(404, "NotFound", `serviceaccounts "${name}" not found`),
      };
    const seconds = Number(spec.expirationSeconds ?? 3600);
    const issued = authn.tokenFor(namespace, name, Number.isFinite(seconds) ? seconds : 3600);
    return {
      code: 201,
      body: {
        kind: "TokenRequest",
        apiVersion: "authentication.k8s.io/v1",
        metadata: { name, namespace },
        spec,
        status: { token: issued.token, expirationTimestamp: rfc3339(issued.expiresAt) },
      },
    };
  }
  return undefined;
}
