import type { CertTools } from "./types.js";

/** The one lazy boundary for @peculiar/x509 (~100 ms to load): only commands that parse certs pay. */
export async function loadCertTools(): Promise<CertTools> {
  const { certTools } = await import("./x509.js");
  return certTools;
}
