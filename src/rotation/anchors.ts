// Which anchor a certificate chains to: what the facts say of the issuer and of each live leaf,
// read from a cluster (collect.ts) or from files (the command's offline mode).
import type { CertificateInfo, CertTools } from "../certs/types.js";

/** The fingerprint of the anchor `cert` chains to among `anchors`, validity aside; else undefined. */
export async function anchorOf(
  certs: Pick<CertTools, "verifyChain">,
  cert: CertificateInfo,
  intermediates: CertificateInfo[],
  anchors: CertificateInfo[],
  now: Date,
): Promise<string | undefined> {
  const verified = await certs.verifyChain(cert, intermediates, anchors, {
    now,
    ignoreValidity: true,
  });
  return verified.ok ? verified.chain.at(-1)?.fingerprintSha256 : undefined;
}
