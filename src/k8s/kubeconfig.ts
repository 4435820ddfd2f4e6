// Reads the kubeconfig as kubectl does (k8s.io/client-go/tools/clientcmd loader): --kubeconfig, else
// every file in $KUBECONFIG that exists (missing ones are skipped), merged with the first file
// winning for each cluster, user and context name and for current-context; else ~/.kube/config;
// else the in-cluster service account. client-node's loadFromDefault fails on a missing file, lets
// later files override current-context, and throws on a name two files share.
import { X509Certificate } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { KubeConfig } from "@kubernetes/client-node/dist/config.js";
import { CliError, ExitCode } from "../errors.js";
import { firstLine } from "../shared/first-line.js";

export interface KubeconfigSource {
  /** --kubeconfig */
  kubeconfig: string | undefined;
  /** --context */
  context: string | undefined;
  env: Readonly<Record<string, string | undefined>>;
}

const couldNotRun = (message: string, hint?: string) =>
  new CliError(message, ExitCode.CouldNotRun, hint);

const TRY_DEMO = "try the simulated cluster: meshlens demo";

/** The files to read, and how to name them in a message. */
function kubeconfigFiles(
  source: KubeconfigSource,
): { files: string[]; named: string } | "in-cluster" {
  if (source.kubeconfig !== undefined) {
    if (!existsSync(source.kubeconfig))
      throw couldNotRun(`kubeconfig ${source.kubeconfig} does not exist`);
    return { files: [source.kubeconfig], named: source.kubeconfig };
  }
  const fromEnv = source.env.KUBECONFIG;
  if (fromEnv !== undefined && fromEnv !== "") {
    const files = fromEnv.split(delimiter).filter((file) => file !== "" && existsSync(file));
    if (files.length === 0) throw couldNotRun(`no kubeconfig file in KUBECONFIG=${fromEnv} exists`);
    return { files, named: files.length === 1 ? (files[0] as string) : `KUBECONFIG=${fromEnv}` };
  }
  const home = join(source.env.HOME ?? homedir(), ".kube", "config");
  if (existsSync(home)) return { files: [home], named: home };
  if (source.env.KUBERNETES_SERVICE_HOST !== undefined) return "in-cluster";
  throw couldNotRun(
    "no kubeconfig found: pass --kubeconfig, set KUBECONFIG, or create ~/.kube/config",
    TRY_DEMO,
  );
}

/** One file as client-node reads it, with relative certificate paths made absolute, as kubectl does. */
function readKubeconfigFile(file: string): KubeConfig {
  const piece = new KubeConfig();
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw couldNotRun(`cannot read kubeconfig ${file}: ${firstLine(error)}`);
  }
  // kubectl reads an empty file (or only comments) as an empty config.
  if (text.split("\n").every((line) => /^\s*(#.*)?$/.test(line) || line.trim() === "---")) {
    piece.loadFromOptions({ clusters: [], users: [], contexts: [], currentContext: "" });
    return piece;
  }
  try {
    piece.loadFromString(text);
  } catch (error) {
    throw couldNotRun(`kubeconfig ${file} is not a valid kubeconfig: ${firstLine(error)}`);
  }
  piece.makePathsAbsolute(dirname(file));
  return piece;
}

function merge(pieces: KubeConfig[]): KubeConfig {
  const firstByName = <T extends { name: string }>(lists: T[][]): T[] => {
    const byName = new Map<string, T>();
    for (const item of lists.flat()) if (!byName.has(item.name)) byName.set(item.name, item);
    return [...byName.values()];
  };
  const merged = new KubeConfig();
  merged.loadFromOptions({
    clusters: firstByName(pieces.map((p) => p.clusters ?? [])),
    users: firstByName(pieces.map((p) => p.users ?? [])),
    contexts: firstByName(pieces.map((p) => p.contexts ?? [])),
    currentContext: pieces.map((p) => p.currentContext).find((name) => !!name) ?? "",
  });
  return merged;
}

/**
 * The kubeconfig with its context chosen and its cluster known to exist; every way it can be
 * unusable is one sentence, exit 3 (exit 2 for a --context that is not there).
 */
export function loadKubeConfig(source: KubeconfigSource): KubeConfig {
  const found = kubeconfigFiles(source);
  if (found === "in-cluster") {
    const config = new KubeConfig();
    config.loadFromCluster();
    return config;
  }
  const config = merge(found.files.map(readKubeconfigFile));
  const { named } = found;
  const contexts = config.getContexts();
  if (source.context !== undefined) {
    if (!contexts.some((c) => c.name === source.context))
      throw new CliError(
        `context "${source.context}" does not exist in the kubeconfig`,
        ExitCode.Usage,
      );
    config.setCurrentContext(source.context);
  } else if (contexts.length === 0) {
    throw couldNotRun(
      config.getClusters().length === 0 && config.getUsers().length === 0
        ? `kubeconfig ${named} is empty: it has no clusters, users or contexts`
        : `kubeconfig ${named} has no contexts: add one with kubectl config set-context`,
      TRY_DEMO,
    );
  } else if (!config.getCurrentContext()) {
    throw couldNotRun(
      `current-context is not set in kubeconfig ${named}: pass --context NAME, or run kubectl config use-context NAME`,
    );
  } else if (config.getContextObject(config.getCurrentContext()) === null) {
    // kubectl's words: "context was not found for specified context: NAME".
    throw couldNotRun(
      `context was not found for specified context: ${config.getCurrentContext()} (the current-context of kubeconfig ${named})`,
    );
  }
  const context = config.getContextObject(config.getCurrentContext());
  const cluster = config.getCurrentCluster();
  if (cluster === null)
    throw couldNotRun(
      `context "${context?.name}" uses cluster "${context?.cluster}", which is not in kubeconfig ${named}`,
    );
  checkCertificateAuthority(cluster, named);
  return config;
}

/**
 * The cluster's certificate authority must be PEM certificates, as kubectl requires ("unable to
 * load root certificates"); Node would take anything and then say the server's certificate is not
 * signed by it, which blames the server for a broken kubeconfig.
 */
function checkCertificateAuthority(
  cluster: { name: string; caData?: string; caFile?: string },
  named: string,
): void {
  let pem: string;
  let what: string;
  if (cluster.caData) {
    pem = Buffer.from(cluster.caData, "base64").toString("utf8");
    what = `the certificate-authority-data of cluster "${cluster.name}" in kubeconfig ${named}`;
  } else if (cluster.caFile) {
    what = `the certificate-authority ${cluster.caFile} of cluster "${cluster.name}"`;
    try {
      pem = readFileSync(cluster.caFile, "utf8");
    } catch (error) {
      throw couldNotRun(`cannot read ${what}: ${firstLine(error)}`);
    }
  } else return;
  const blocks = [...pem.matchAll(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g)];
  const bad = blocks.find((block) => {
    try {
      new X509Certificate(block[0]);
      return false;
    } catch {
      return true;
    }
  });
  if (blocks.length === 0 || bad !== undefined)
    throw couldNotRun(
      `unable to load root certificates: ${what} ${blocks.length === 0 ? "holds no PEM certificate" : "holds a certificate that cannot be parsed"}`,
    );
}
