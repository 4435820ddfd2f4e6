// One GET over a kept-alive agent, its body handed on in pieces as it arrives. Failures stay raw for
// the retry policy (retry.ts): an error status is an HttpStatusError (with its Retry-After), a
// connection lost before any answer keeps Node's error (its code says which), and a body cut short
// is a plain Error, never retried.
import { get as httpGet, type RequestOptions } from "node:http";
import { get as httpsGet } from "node:https";
import { createGunzip, gunzipSync } from "node:zlib";
import { HttpStatusError } from "./retry.js";

export interface GetStreamSettings {
  /** Ask for the body compressed and inflate it in one call at the end (small bodies). */
  gzip: boolean;
  /** Ends an answer that goes silent this long, with `idleError()`. */
  idleTimeoutMs: number;
  idleError: () => Error;
}

/** An answer that broke off after it began: not a lost connection to retry. */
function cutShort(cause: Error): Error {
  return new Error(`the answer was cut short: ${cause.message}`);
}

export function getStream(
  url: URL,
  options: RequestOptions,
  onData: (bytes: Buffer) => void,
  settings: GetStreamSettings,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const send = url.protocol === "https:" ? httpsGet : httpGet;
    const headers = settings.gzip
      ? { ...options.headers, "accept-encoding": "gzip" }
      : options.headers;
    let responded = false;
    // An error this side raised (onData's, the idle timeout) goes to the caller as it is.
    let own: Error | undefined;
    const stop = (error: Error) => {
      own = error;
      request.destroy(error);
    };
    const request = send(url, { ...options, headers }, (response) => {
      responded = true;
      const status = response.statusCode ?? 0;
      const gzipped = response.headers["content-encoding"] === "gzip";
      if (status < 200 || status >= 300) {
        const retryAfter = response.headers["retry-after"];
        const body = gzipped ? response.pipe(createGunzip()) : response;
        let text = "";
        body.on("data", (chunk: Buffer) => {
          if (text.length < 4096) text += chunk.toString("utf8");
        });
        body.on("end", () => reject(new HttpStatusError(status, text, retryAfter)));
        body.on("error", (error) => reject(cutShort(error)));
        return;
      }
      if (!gzipped) {
        response.on("data", (chunk: Buffer) => {
          try {
            onData(chunk);
          } catch (error) {
            stop(error as Error);
          }
        });
        response.on("end", resolve);
      } else {
        // Compressed, a proxy's body is small: kept, then inflated in one call, which costs
        // far less CPU than a gunzip stream per body (docs/performance.md).
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () => {
          try {
            onData(gunzipSync(Buffer.concat(chunks)));
            resolve();
          } catch (error) {
            reject(error);
          }
        });
      }
      response.on("error", (error) => reject(cutShort(error)));
      // A body cut short ends the response with 'aborted' rather than an error.
      response.on("aborted", () => reject(new Error("the answer was cut short")));
    });
    // The API server answers a pod proxy request once the pod does: silence here is
    // the pod's (a "timeout" failure, which callers blame on the proxy).
    request.setTimeout(settings.idleTimeoutMs, () => stop(settings.idleError()));
    request.on("error", (error) => reject(error === own || !responded ? error : cutShort(error)));
  });
}
