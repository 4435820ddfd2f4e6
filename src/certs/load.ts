import type { CertTools } from "./types.js";

/** The one lazy boundary for the certificate code (slow to load): only commands that parse certs pay. */
export async function loadCertTools(): Promise<CertTools> {
  const { certTools } = await import("./x509.js");
  return certTools;
}
