// The tap wire protocol both sides speak (linkerd-facts.md 3.2, 3.3): the request is the raw
// TapByResourceRequest bytes; the answer a stream of frames, each a 4-byte little-endian length and
// a TapEvent (or an ApiError). The messages are protobufjs' static code generated from
// proto/*.proto (scripts/gen-proto.mjs). What the CLI makes of the messages is tap/protocol.ts'.
import { linkerd2 } from "./generated/tap-proto.js";

const Tap = linkerd2.tap;
const Viz = linkerd2.viz;

export function decodeTapRequest(bytes: Uint8Array): linkerd2.tap.TapByResourceRequest {
  return Tap.TapByResourceRequest.decode(bytes);
}

/** The API path of a request (linkerd2 TapReqToURL): the server checks the body against it. */
export function tapPath(target: { type: string; name: string; namespace: string }): string {
  const base = "/apis/tap.linkerd.io/v1alpha1/watch/namespaces";
  if (target.type === "namespace") return `${base}/${encodeURIComponent(target.name)}/tap`;
  return `${base}/${encodeURIComponent(target.namespace)}/${target.type}s/${encodeURIComponent(target.name)}/tap`;
}

export function encodeApiError(message: string): Uint8Array {
  return Viz.ApiError.encode({ error: message }).finish();
}

export function decodeApiError(bytes: Uint8Array): string {
  return Viz.ApiError.decode(bytes).error;
}

export { Tap as TapMessages };

/** A message as one frame: its 4-byte little-endian length, then the message. */
export function encodeFrame(message: Uint8Array): Buffer {
  const head = Buffer.alloc(4);
  head.writeUInt32LE(message.length);
  return Buffer.concat([head, message]);
}

/** Splits a byte stream into frames: a 4-byte little-endian length, then that many bytes. */
export class FrameReader {
  private buffered: Buffer[] = [];
  private size = 0;

  /** The whole frames `chunk` completes; what is left waits for the next chunk. */
  push(chunk: Buffer): Buffer[] {
    this.buffered.push(chunk);
    this.size += chunk.length;
    const frames: Buffer[] = [];
    let bytes = this.buffered.length === 1 ? chunk : Buffer.concat(this.buffered, this.size);
    let at = 0;
    while (bytes.length - at >= 4) {
      const length = bytes.readUInt32LE(at);
      if (bytes.length - at - 4 < length) break;
      frames.push(bytes.subarray(at + 4, at + 4 + length));
      at += 4 + length;
    }
    bytes = bytes.subarray(at);
    this.buffered = bytes.length === 0 ? [] : [bytes];
    this.size = bytes.length;
    return frames;
  }

  /** Bytes of a frame that never came whole (a stream cut mid-frame). */
  get pending(): number {
    return this.size;
  }
}
