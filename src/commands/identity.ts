// `meshlens identity [POD...]`: the leaf each proxy really serves, like `linkerd identity` but with
// SANs, fingerprint, time left and a trust verdict, and an exit code that says when one is bad.
import { Command } from "commander";
import type { Context } from "../context.js";
import { ExitCode, exitCodesHelp, usageError } from "../errors.js";
import { noIdentityReason, podIdentity } from "../k8s/pods.js";
import type { PodInfo } from "../k8s/types.js";
import {
  type PodIdentityReport,
  renderIdentityJson,
  renderIdentityPem,
  renderIdentityText,
} from "../render/identity.js";
import { rfc3339 } from "../shared/time.js";
import { parseDuration } from "./durations.js";
import { checkSelectorFlag } from "./selector-flag.js";

export const IDENTITY_FORMATS = ["text", "json", "pem"] as const;

interface IdentityFlags {
  namespace?: string;
  selector?: string;
  output: string;
  timeout: string;
}

function describeKey(key: { algorithm: string; curve?: string; bits?: number }): string {
  if (key.algorithm === "ECDSA") return `ECDSA ${key.curve ?? ""}`.trim();
  if (key.algorithm === "RSA") return `RSA ${key.bits ?? "?"} bit`;
  return key.algorithm;
}

async function runIdentity(ctx: Context, pods: string[], flags: IdentityFlags): Promise<number> {
  if (pods.length === 0 && flags.selector === undefined)
    throw usageError("Provide the pod name argument or use the selector flag");
  checkSelectorFlag(flags.selector);
  if (!(IDENTITY_FORMATS as readonly string[]).includes(flags.output))
    throw usageError(`invalid --output "${flags.output}": use text, json or pem`);
  const timeoutMs = parseDuration(flags.timeout);
  if (timeoutMs === undefined || timeoutMs <= 0)
    throw usageError(`invalid --timeout "${flags.timeout}"`);
  // TLS and HTTP clients load only when a command needs them, not for --help.
  const [{ mapBounded, probeProxy }, { decodeCertificateBundle, encodePem }] = await Promise.all([
    import("../proxy/admin-client.js"),
    import("../shared/pem.js"),
  ]);
  const [cluster, certs] = await Promise.all([ctx.loadCluster(), ctx.loadCertTools()]);
  const namespace = flags.namespace ?? cluster.defaultNamespace;

  const listed = await cluster.listPods(
    namespace,
    flags.selector === undefined ? {} : { labelSelector: flags.selector },
  );
  const byName = new Map(listed.map((pod) => [pod.name, pod]));
  const targets: Array<{ name: string; pod: PodInfo | undefined }> =
    pods.length > 0
      ? pods.map((name) => ({ name, pod: byName.get(name) }))
      : listed.map((pod) => ({ name: pod.name, pod }));

  const roots = await cluster.getConfigMap(
    ctx.global.linkerdNamespace,
    "linkerd-identity-trust-roots",
  );
  const decoded = decodeCertificateBundle(roots?.data["ca-bundle.crt"] ?? "");
  const anchors = decoded.ok ? decoded.value.map((der) => certs.parseCertificate(der)) : [];

  // Several pods at once, reported in the order asked.
  const reports: PodIdentityReport[] = await mapBounded(
    targets,
    8,
    async ({ name, pod }): Promise<PodIdentityReport> => {
      const base = { pod: name, namespace, identity: pod ? (podIdentity(pod) ?? "") : "" };
      if (pod === undefined) {
        return {
          ...base,
          result: "error",
          error: `pod "${name}" not found in namespace "${namespace}"`,
        };
      }
      if (pod.phase !== "Running") {
        return { ...base, result: "error", error: `pod not running: ${name}` };
      }
      const noIdentity = noIdentityReason(pod);
      if (noIdentity !== undefined)
        return { ...base, result: "error", error: `has no identity: ${noIdentity}` };
      const probe = await probeProxy(cluster, pod, base.identity, timeoutMs);
      if (!probe.ok) {
        return { ...base, result: "error", error: probe.reason };
      }
      const [leaf, ...intermediates] = probe.chain.map((cert) => certs.parseCertificate(cert));
      if (leaf === undefined)
        return { ...base, result: "error", error: "the admin port presented no certificate" };
      const verification = await certs.verifyChain(leaf, intermediates, anchors, {
        now: ctx.clock(),
      });
      const secondsLeft = Math.floor((leaf.notAfter.getTime() - ctx.clock().getTime()) / 1000);
      return {
        ...base,
        result: verification.ok ? "valid" : "invalid",
        leaf: {
          subject: leaf.subject,
          sans: leaf.dnsNames,
          issuer: leaf.issuer,
          issuerSerial: intermediates[0]?.serial,
          serial: leaf.serial,
          fingerprintSha256: leaf.fingerprintSha256,
          keyAlgorithm: describeKey(
            leaf.publicKey as { algorithm: string; curve?: string; bits?: number },
          ),
          signatureAlgorithm: leaf.signatureAlgorithm,
          notBefore: rfc3339(leaf.notBefore),
          notAfter: rfc3339(leaf.notAfter),
          secondsLeft,
          chainsToTrustAnchors: verification.ok,
          ...(verification.ok ? {} : { chainError: verification.error }),
          pem: encodePem("CERTIFICATE", leaf.der),
        },
      };
    },
  );
  if (reports.length === 0) {
    ctx.err.write(
      "Could not fetch Certificate. Ensure that the pod(s) are meshed by running `linkerd inject`\n",
    );
    return ExitCode.ChecksFailed;
  }
  if (flags.output === "pem") {
    // Only certificates on stdout, for `| openssl x509 -text`; what could not be fetched, on stderr.
    ctx.out.write(renderIdentityPem(reports));
    for (const report of reports)
      if (report.result === "error") ctx.err.write(`meshlens: ${report.pod}: ${report.error}\n`);
  } else {
    ctx.out.write(
      flags.output === "json"
        ? renderIdentityJson(reports)
        : renderIdentityText(reports, ctx.theme),
    );
  }
  // Linkerd always exits 0; meshlens says when a certificate is bad or could not be fetched.
  return reports.every((r) => r.result === "valid") ? ExitCode.Ok : ExitCode.ChecksFailed;
}

export function identityCommand(
  run: (action: (ctx: Context) => Promise<number>) => Promise<void>,
): Command {
  return new Command("identity")
    .description(
      "Show the certificate each pod's proxy really serves, and whether it chains to the current trust anchors",
    )
    .argument("[pods...]", "pod names")
    .option("-n, --namespace <namespace>", "namespace of the pods (default: the kubeconfig's)")
    .option("-l, --selector <selector>", "pods with these labels")
    .option("-o, --output <format>", "text, json, or pem (the leaf certificates only)", "text")
    .option("--timeout <duration>", "how long to wait for each proxy", "5s")
    .addHelpText(
      "after",
      `\n${exitCodesHelp("every certificate is valid and chains to the trust anchors", "a certificate is invalid or could not be fetched")}\n`,
    )
    .action(async (pods: string[], flags: IdentityFlags) => {
      await run((ctx) => runIdentity(ctx, pods, flags));
    });
}
