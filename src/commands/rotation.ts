// `meshlens rotation`: where a trust-anchor or issuer rotation stands, and with --ready-for whether
// the next step is safe now (docs/rotation.md). The facts come from the cluster as Linkerd's parts
// read them, or, offline, from --anchors and --issuer-cert.
import { Command } from "commander";
import { unlessAborted } from "../abort.js";
import type { CertificateInfo, CertTools } from "../certs/types.js";
import type { Context } from "../context.js";
import { CliError, ExitCode, exitCodesHelp, usageError } from "../errors.js";
import { KubeApiError } from "../k8s/types.js";
import { anchorOf } from "../rotation/anchors.js";
import type { LeafReading, RotationFacts, RotationStep } from "../rotation/types.js";
import { firstLine } from "../shared/first-line.js";
import { decodeCertificateBundle, decodeFirstBlock } from "../shared/pem.js";
import type { RunCommand } from "./command.js";
import { checkSelectorFlag, leafReading, readInputFile } from "./flags.js";
import { statusLine } from "./status-line.js";

/** Anchors with less than this left are expiring (check's 60-day rule). */
const EXPIRY_THRESHOLD_MS = 60 * 86_400_000;

export interface RotationFlags {
  output: string;
  readyFor?: string;
  verifyLeaves: boolean;
  prometheus?: string;
  vizNamespace: string;
  namespace?: string;
  selector?: string;
  anchors?: string;
  issuerCert?: string;
  proxyConcurrency: string;
  proxyTimeout: string;
}

/** The step as given: its files are read when the command runs. */
export type StepRequest =
  | { kind: "issuer"; file: string }
  | { kind: "bundle"; file: string }
  | { kind: "remove-anchor"; file: string }
  | { kind: "remove-anchor"; fingerprint: string };

export interface RotationOptions {
  output: "table" | "json" | "short";
  readyFor: { text: string; step: StepRequest } | undefined;
  leaves: LeafReading | undefined;
  namespace: string | undefined;
  selector: string | undefined;
  offline: { anchors: string; issuerCert: string | undefined } | undefined;
}

function parseStep(text: string): StepRequest {
  const at = text.indexOf("=");
  const [kind, value] = at < 0 ? [text, ""] : [text.slice(0, at), text.slice(at + 1)];
  if (value !== "") {
    if (kind === "issuer" || kind === "bundle") return { kind, file: value };
    if (kind === "remove-anchor") {
      const hex = value.replaceAll(":", "").toLowerCase();
      return /^[0-9a-f]{16,64}$/.test(hex) ? { kind, fingerprint: hex } : { kind, file: value };
    }
  }
  throw usageError(
    `invalid --ready-for "${text}": use issuer=FILE, bundle=FILE or remove-anchor=FILE|FINGERPRINT`,
  );
}

export function parseRotationOptions(flags: RotationFlags): RotationOptions {
  if (!["table", "json", "short"].includes(flags.output))
    throw usageError(`invalid --output "${flags.output}": use table, json or short`);
  checkSelectorFlag(flags.selector);
  if (flags.issuerCert !== undefined && flags.anchors === undefined)
    throw usageError(
      "--issuer-cert goes with --anchors (offline: the files judged against each other)",
    );
  const offline =
    flags.anchors === undefined
      ? undefined
      : { anchors: flags.anchors, issuerCert: flags.issuerCert };
  if (offline && [flags.namespace, flags.selector, flags.prometheus].some((f) => f !== undefined))
    throw usageError("-n, -l and --prometheus read a cluster; --anchors judges files, no cluster");
  return {
    output: flags.output as RotationOptions["output"],
    readyFor:
      flags.readyFor === undefined
        ? undefined
        : { text: flags.readyFor, step: parseStep(flags.readyFor) },
    leaves: offline === undefined ? leafReading(flags) : undefined,
    namespace: flags.namespace,
    selector: flags.selector,
    offline,
  };
}

/**
 * The certificates of a file, or a one-line usage error: unreadable, empty, not PEM, a private
 * key (never echoed), or a block that is not a valid X.509 certificate.
 */
async function readCertificates(
  what: string,
  path: string,
  certs: CertTools,
): Promise<CertificateInfo[]> {
  const text = await readInputFile(what, path);
  if (text.trim() === "") throw usageError(`${what} ${path} is empty`);
  const first = decodeFirstBlock(text);
  if (first === undefined) throw usageError(`${what} ${path} is not a PEM certificate`);
  if (first.type !== "CERTIFICATE")
    throw usageError(
      `${what} ${path} holds a ${first.type.includes("PRIVATE KEY") ? "private key" : first.type}, not a certificate`,
    );
  const decoded = decodeCertificateBundle(text);
  if (!decoded.ok) throw usageError(`${what} ${path}: ${decoded.error}`);
  return decoded.value.map((der) => {
    try {
      return certs.parseCertificate(der);
    } catch (error) {
      throw usageError(
        `${what} ${path} is not a valid X.509 certificate: ${(error as Error).message}`,
      );
    }
  });
}

async function stepOf(request: StepRequest, certs: CertTools): Promise<RotationStep> {
  if ("fingerprint" in request) return { kind: "remove-anchor", fingerprint: request.fingerprint };
  const found = await readCertificates(`--ready-for ${request.kind}=`, request.file, certs);
  if (request.kind === "bundle") return { kind: "bundle", anchors: found };
  const [first] = found as [CertificateInfo];
  if (request.kind === "issuer") return { kind: "issuer", certificate: first };
  return { kind: "remove-anchor", fingerprint: first.fingerprintSha256 };
}

async function offlineFacts(
  files: NonNullable<RotationOptions["offline"]>,
  certs: CertTools,
  ctx: Context,
): Promise<RotationFacts> {
  const bundle = await readCertificates("--anchors", files.anchors, certs);
  const issuer =
    files.issuerCert === undefined
      ? undefined
      : (await readCertificates("--issuer-cert", files.issuerCert, certs))[0];
  const now = ctx.clock();
  return {
    now,
    bundle,
    bundlePlace: "anchors-file",
    bundleChangedAt: undefined,
    linkerdConfigAnchors: undefined,
    issuerSecretCa: undefined,
    issuer,
    issuerAnchor: issuer === undefined ? undefined : await anchorOf(certs, issuer, [], bundle, now),
    proxyOnlyAnchors: [],
    pods: [],
    leaves: "none",
    unread: [],
    expiryThresholdMs: EXPIRY_THRESHOLD_MS,
  };
}

export async function runRotation(ctx: Context, options: RotationOptions): Promise<number> {
  const [certs, { assessRotation }, { stepReadiness }, render] = await Promise.all([
    ctx.loadCertTools(),
    import("../rotation/assess.js"),
    import("../rotation/readiness.js"),
    import("../render/rotation.js"),
  ]);
  const step = options.readyFor && (await stepOf(options.readyFor.step, certs));
  let facts: RotationFacts;
  if (options.offline) facts = await offlineFacts(options.offline, certs, ctx);
  else {
    const [{ collectRotationFacts }, cluster] = await Promise.all([
      import("../rotation/collect.js"),
      ctx.loadCluster(),
    ]);
    const status = statusLine(ctx);
    let collected: RotationFacts | undefined;
    try {
      // Ctrl-C stops the wait at once (exit 130), as check's does.
      collected = await unlessAborted(
        collectRotationFacts(cluster, certs, {
          controlPlaneNamespace: ctx.global.linkerdNamespace,
          namespace: options.namespace,
          selector: options.selector,
          leaves: options.leaves,
          expiryThresholdMs: EXPIRY_THRESHOLD_MS,
          extraAnchors: step?.kind === "bundle" ? step.anchors : [],
          now: ctx.clock,
          onProgress: (done, total) => status.show(`reading proxy certificates: ${done}/${total}`),
        }),
        ctx.signal,
      ).catch((error: unknown) => {
        // A Prometheus that cannot be queried is data meshlens could not read: exit 3, one line.
        if (error instanceof KubeApiError || options.leaves?.kind !== "prometheus") throw error;
        throw new CliError(firstLine(error), ExitCode.CouldNotRun);
      });
    } finally {
      status.stop();
    }
    if (collected === undefined) return ExitCode.Interrupted;
    facts = collected;
  }
  const report = assessRotation(facts);
  const readiness = step &&
    options.readyFor && {
      step: options.readyFor.text,
      answer: await stepReadiness(step, facts, (...args) => certs.verifyChain(...args)),
    };
  const view = {
    report,
    now: facts.now,
    offline: options.offline !== undefined,
    ...(readiness ? { readiness } : {}),
  };
  if (options.output === "json") ctx.out.write(render.renderRotationJson(view));
  else if (options.output === "short") ctx.out.write(render.renderRotationShort(view, ctx.theme));
  else ctx.out.write(render.renderRotationTable(view, ctx.theme));
  if (readiness)
    return readiness.answer.answer === "ready"
      ? ExitCode.Ok
      : readiness.answer.answer === "not-ready"
        ? ExitCode.ChecksFailed
        : ExitCode.CouldNotRun;
  return report.dangers.some((d) => d.kind !== "anchor-expiring")
    ? ExitCode.ChecksFailed
    : ExitCode.Ok;
}

export function rotationCommand(run: RunCommand): Command {
  return new Command("rotation")
    .description(
      "Show where a trust-anchor or issuer rotation stands and, with --ready-for, whether the next step is safe now",
    )
    .option("-o, --output <format>", "table, json or short", "table")
    .option(
      "--ready-for <step>",
      "issuer=FILE (a new issuer), bundle=FILE (a new trust bundle) or remove-anchor=FILE|FINGERPRINT: exit 0 ready, 1 not, 3 cannot tell",
    )
    .option(
      "--no-verify-leaves",
      "do not fetch the proxies' live leaves (faster; some answers then cannot be given)",
    )
    .option("-n, --namespace <namespace>", "only the meshed pods of this namespace")
    .option("-l, --selector <selector>", "only the meshed pods with these labels")
    .option("--anchors <file>", "offline, no cluster: the trust bundle to judge (PEM)")
    .option("--issuer-cert <file>", "offline, with --anchors: the issuer certificate (PEM)")
    .option(
      "--prometheus <url>",
      "read the leaves' expiry from Prometheus (an http(s) URL, or \"viz\" for linkerd-viz's), not the proxies: chain questions cannot be answered",
    )
    .option("--viz-namespace <namespace>", "namespace of linkerd-viz", "linkerd-viz")
    .option("--proxy-concurrency <n>", "proxies read at once", "32")
    .option("--proxy-timeout <duration>", "how long to wait for one proxy", "5s")
    .addHelpText(
      "after",
      `\n${exitCodesHelp("no dangerous state (with --ready-for: ready)", "a dangerous state (with --ready-for: not ready, every reason said)")}\n  With --ready-for, 3 also means it cannot tell (what was missing is said).\n`,
    )
    .action((flags: RotationFlags) => run(parseRotationOptions(flags), runRotation));
}
