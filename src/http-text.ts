import { request as httpRequest, type IncomingHttpHeaders, type RequestOptions } from "node:http";
import { request as httpsRequest } from "node:https";

export interface TextResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A GET over http or https with the whole body as text; `timeout` (ms) ends a silent request. */
export function getText(url: URL, options: RequestOptions = {}): Promise<TextResponse> {
  return new Promise((resolve, reject) => {
    const send = url.protocol === "https:" ? httpsRequest : httpRequest;
    const request = send(url, { ...options, method: "GET" }, (response) => {
      let body = "";
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => {
        body += chunk;
      });
      response.on("end", () =>
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body }),
      );
      response.on("error", reject);
    });
    if (options.timeout !== undefined) {
      const seconds = options.timeout / 1000;
      request.on("timeout", () => request.destroy(new Error(`timed out after ${seconds}s`)));
    }
    request.on("error", reject);
    request.end();
  });
}
