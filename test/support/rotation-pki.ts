// The certificates of a trust-anchor rotation, made for the tests that judge one: an old anchor and
// a newer one (a later notBefore), an issuer from each, and a non-CA certificate from the new one.
import { daysFrom, type Issued, issueCertificate } from "../../src/sim/pki.js";

export interface RotationPki {
  oldAnchor: Issued;
  newAnchor: Issued;
  oldIssuer: Issued;
  newIssuer: Issued;
  notCa: Issued;
}

/** An issuer certificate signed by `signer`, valid from a day before `now` for a year. */
export function issuerFrom(
  signer: Issued,
  now: Date,
  options: { isCA?: boolean; algorithm?: "RSA-2048" } = {},
): Promise<Issued> {
  return issueCertificate({
    commonName: "identity.linkerd.cluster.local",
    notBefore: daysFrom(now, -1),
    notAfter: daysFrom(now, 365),
    isCA: options.isCA ?? true,
    pathLength: 0,
    signer,
    ...(options.algorithm ? { algorithm: options.algorithm } : {}),
  });
}

export async function rotationPki(now: Date): Promise<RotationPki> {
  const anchor = (from: number) =>
    issueCertificate({
      commonName: "root.linkerd.cluster.local",
      notBefore: daysFrom(now, from),
      notAfter: daysFrom(now, 3000),
      isCA: true,
      pathLength: 1,
    });
  const [oldAnchor, newAnchor] = await Promise.all([anchor(-400), anchor(-1)]);
  const [oldIssuer, newIssuer, notCa] = await Promise.all([
    issuerFrom(oldAnchor, now),
    issuerFrom(newAnchor, now),
    issuerFrom(newAnchor, now, { isCA: false }),
  ]);
  return { oldAnchor, newAnchor, oldIssuer, newIssuer, notCa };
}
