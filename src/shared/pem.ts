/**
 * PEM decoding with the quirks of Go's encoding/pem as Linkerd uses it, so that a bundle Linkerd
 * rejects is rejected here too (linkerd2 pkg/tls/codec.go DecodePEMCertificates; see
 * shared/docs/linkerd-facts.md 1.6, check 1).
 */

export interface PemBlock {
  type: string;
  der: Uint8Array;
}

const BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n([\s\S]*?)-----END \1-----/g;

/** Every well-formed PEM block in `text`, in order, with its end offset. */
function scanBlocks(text: string): Array<PemBlock & { end: number }> {
  const blocks: Array<PemBlock & { end: number }> = [];
  for (const match of text.matchAll(BLOCK)) {
    const [whole, type = "", body = ""] = match;
    // Go skips headers ("Proc-Type: ...") before the base64 body; linkerd certs never carry them.
    const base64 = body.replace(/^[A-Za-z-]+:.*$/gm, "").replace(/\s+/g, "");
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(base64)) continue;
    blocks.push({
      type,
      der: Buffer.from(base64, "base64"),
      end: (match.index ?? 0) + whole.length,
    });
  }
  return blocks;
}

export type DecodeResult<T> = { ok: true; value: T } | { ok: false; error: string };

/**
 * The CERTIFICATE blocks of a bundle, as linkerd2 `DecodePEMCertificates` reads it:
 * - text before the first block is ignored;
 * - anything after a block other than the one line break that ends it is `not a PEM certificate`
 *   (linkerd2 healthcheck_test "extra newline in secret");
 * - a block of another type stops the decoding, later blocks are ignored;
 * - an empty text gives no certificates and no error.
 */
export function decodeCertificateBundle(text: string): DecodeResult<Uint8Array[]> {
  const certificates: Uint8Array[] = [];
  let rest = text;
  while (rest.length > 0) {
    const [block] = scanBlocks(rest);
    if (block === undefined) return { ok: false, error: "not a PEM certificate" };
    if (block.type !== "CERTIFICATE") break;
    certificates.push(block.der);
    // Go's pem.Decode consumes the rest of the END line and its one line break, nothing more.
    rest = rest.slice(block.end).replace(/^[ \t]*\r?\n?/, "");
  }
  return { ok: true, value: certificates };
}

/**
 * A bundle as it is stored (a ConfigMap's value, an env variable): surrounding whitespace aside,
 * decoded as decodeCertificateBundle reads it.
 */
export function decodeStoredBundle(text: string): DecodeResult<Uint8Array[]> {
  const trimmed = text.trim();
  return decodeCertificateBundle(trimmed === "" ? "" : `${trimmed}\n`);
}

/** The first PEM block of a key file, the way linkerd2 pkg/tls/cred.go reads `key.pem`. */
export function decodeFirstBlock(text: string): PemBlock | undefined {
  const [block] = scanBlocks(text);
  return block === undefined ? undefined : { type: block.type, der: block.der };
}

export function encodePem(type: string, der: Uint8Array): string {
  const base64 = Buffer.from(der).toString("base64");
  const lines = base64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${type}-----\n${lines.join("\n")}\n-----END ${type}-----\n`;
}
