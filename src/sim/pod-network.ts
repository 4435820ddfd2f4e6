// How the simulated API server reaches pods (the simulated proxies). Types only.
import type { ServerResponse } from "node:http";
import type { Duplex } from "node:stream";

/** How the API server reaches pods (the simulated proxies) for port-forward and the proxy subresource. */
export interface PodNetwork {
  /** Connects a port-forward stream to a pod port; returns an error text when it cannot. */
  portForward(namespace: string, pod: string, port: number, socket: Duplex): string | undefined;
  /** Answers `pods/<pod>[:port]/proxy/<path>`; false when nothing listens there. */
  proxyRequest(
    namespace: string,
    pod: string,
    port: number,
    pathAndQuery: string,
    method: string,
    response: ServerResponse,
    /** The client's Accept-Encoding, passed on as the API server passes request headers. */
    acceptEncoding?: string,
  ): Promise<boolean>;
}
