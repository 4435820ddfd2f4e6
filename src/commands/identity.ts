// `meshlens identity [POD...]`: the leaf each proxy really serves, like `linkerd identity` but with
// SANs, fingerprint, time left and a trust verdict, and an exit code that says when one is bad.
import { Command } from "commander";
import type { Context } from "../context.js";
import { ExitCode, exitCodesHelp, usageError } from "../errors.js";
import { renderIdentityJson, renderIdentityPem, renderIdentityText } from "../render/identity.js";
import type { RunCommand } from "./command.js";
import { checkSelectorFlag, positiveDuration } from "./flags.js";

export const IDENTITY_FORMATS = ["text", "json", "pem"] as const;

export interface IdentityFlags {
  namespace?: string;
  selector?: string;
  output: string;
  timeout: string;
}

export interface IdentityOptions {
  pods: string[];
  namespace: string | undefined;
  selector: string | undefined;
  output: (typeof IDENTITY_FORMATS)[number];
  timeoutMs: number;
}

/** Flags to typed options; every problem is a usage error (exit 2). */
export function parseIdentityOptions(pods: string[], flags: IdentityFlags): IdentityOptions {
  if (pods.length === 0 && flags.selector === undefined)
    throw usageError("Provide the pod name argument or use the selector flag");
  checkSelectorFlag(flags.selector);
  if (!(IDENTITY_FORMATS as readonly string[]).includes(flags.output))
    throw usageError(`invalid --output "${flags.output}": use text, json or pem`);
  return {
    pods,
    namespace: flags.namespace,
    selector: flags.selector,
    output: flags.output as IdentityOptions["output"],
    timeoutMs: positiveDuration("--timeout", flags.timeout),
  };
}

export async function runIdentity(ctx: Context, options: IdentityOptions): Promise<number> {
  // TLS and certificate code load only when a command needs them, not for --help.
  const [{ identityReports }, cluster, certs] = await Promise.all([
    import("../identity/report.js"),
    ctx.loadCluster(),
    ctx.loadCertTools(),
  ]);
  const reports = await identityReports(cluster, certs, {
    namespace: options.namespace ?? cluster.defaultNamespace,
    pods: options.pods,
    selector: options.selector,
    timeoutMs: options.timeoutMs,
    controlPlaneNamespace: ctx.global.linkerdNamespace,
    now: ctx.clock,
  });
  if (reports.length === 0) {
    ctx.err.write(
      "Could not fetch Certificate. Ensure that the pod(s) are meshed by running `linkerd inject`\n",
    );
    return ExitCode.ChecksFailed;
  }
  if (options.output === "pem") {
    // Only certificates on stdout, for `| openssl x509 -text`; what could not be fetched, on stderr.
    ctx.out.write(renderIdentityPem(reports));
    for (const report of reports)
      if (report.result === "error") ctx.err.write(`meshlens: ${report.pod}: ${report.error}\n`);
  } else {
    ctx.out.write(
      options.output === "json"
        ? renderIdentityJson(reports)
        : renderIdentityText(reports, ctx.theme),
    );
  }
  // Linkerd always exits 0; meshlens says when a certificate is bad or could not be fetched.
  return reports.every((r) => r.result === "valid") ? ExitCode.Ok : ExitCode.ChecksFailed;
}

export function identityCommand(run: RunCommand): Command {
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
    .action((pods: string[], flags: IdentityFlags) =>
      run(parseIdentityOptions(pods, flags), runIdentity),
    );
}
