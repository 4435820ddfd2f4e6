// The kubeconfig's credential as HTTPS request options: CA, client certificate, token (an exec
// plugin's included), the headers of an impersonated user, and one TLS context per credential.
import type { RequestOptions } from "node:https";
import { createSecureContext, type SecureContext } from "node:tls";
import type { KubeConfig } from "@kubernetes/client-node";

/** Whom the requests act as (kubectl's --as, --as-group, --as-uid). */
export interface Impersonation {
  user: string;
  groups: string[];
  uid: string | undefined;
}

/** HTTPS request options with the TLS context made from their CA, certificate and key. */
export type CredentialOptions = RequestOptions & { secureContext: SecureContext };

/**
 * The kubeconfig's HTTPS options (CA, client certificate, token header), worked out again only
 * after `ttlMs`: client-node reads the files and asks the credential source on every call (its
 * cost: docs/performance.md). Exec credentials are kept by exec-credentials.ts until they expire;
 * a token file is re-read after the TTL. The TLS context is made once per credential too: each new
 * connection would otherwise build its own from the same CA, certificate and key, and on Node 20
 * copy the bundled roots into a fresh store. ca, cert and key stay in the options: the agent tells
 * its connections apart by them.
 */
export function cachedHttpsOptions(
  config: KubeConfig,
  ttlMs: number,
  impersonate: Impersonation | undefined,
  now = () => Date.now(),
) {
  let cached: { options: Promise<CredentialOptions>; at: number } | undefined;
  const options = (): Promise<CredentialOptions> => {
    if (cached === undefined || now() - cached.at > ttlMs) {
      const options: RequestOptions = {};
      const fresh = {
        options: config
          .applyToHTTPSOptions(options as Parameters<typeof config.applyToHTTPSOptions>[0])
          .then(() => ({
            ...options,
            headers: { ...options.headers, ...impersonationHeaders(impersonate) },
            secureContext: createSecureContext(options),
          })),
        at: now(),
      };
      cached = fresh;
      // A failure is not kept: the next call asks again.
      fresh.options.catch(() => {
        if (cached === fresh) cached = undefined;
      });
    }
    return cached.options;
  };
  /** Forgets the cached options: the next request works them out again (after a 401). */
  const invalidate = () => {
    cached = undefined;
  };
  return Object.assign(options, { invalidate });
}

/** kubectl's impersonation headers (client-go transport/round_trippers.go); a group per header line. */
function impersonationHeaders(
  impersonate: Impersonation | undefined,
): Record<string, string | string[]> {
  if (impersonate === undefined) return {};
  return {
    "Impersonate-User": impersonate.user,
    ...(impersonate.groups.length > 0 ? { "Impersonate-Group": impersonate.groups } : {}),
    ...(impersonate.uid === undefined ? {} : { "Impersonate-Uid": impersonate.uid }),
  };
}
