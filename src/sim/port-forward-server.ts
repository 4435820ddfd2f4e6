// The pod side of `kubectl port-forward` over the WebSocket subprotocol v4.channel.k8s.io, as
// client-node's PortForward speaks it.
import { Duplex } from "node:stream";
import type { WebSocket } from "ws";
import type { PodNetwork } from "./pod-network.js";

/** The pod end of a port-forward: bytes written go to the client on channel 0. */
class TunnelEnd extends Duplex {
  private readonly ws: WebSocket;

  constructor(ws: WebSocket) {
    super();
    this.ws = ws;
  }

  override _read(): void {
    // Client frames are pushed as they arrive.
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: () => void): void {
    if (this.ws.readyState !== this.ws.OPEN) {
      done();
      return;
    }
    const frame = Buffer.allocUnsafe(chunk.length + 1);
    frame[0] = 0;
    chunk.copy(frame, 1);
    this.ws.send(frame, () => done());
  }

  override _final(done: () => void): void {
    this.ws.close();
    done();
  }
}

/**
 * The port-forward WebSocket protocol (v4.channel.k8s.io, as client-node's PortForward speaks it):
 * channel 0 carries data, channel 1 errors; each channel first sends the port as 2 bytes (LE).
 * One Duplex per tunnel rather than PassThrough pipes: at thousands of tunnels a run, the
 * simulator's CPU is part of what the benchmarks measure.
 */
export function forwardPort(
  ws: WebSocket,
  pods: PodNetwork,
  namespace: string,
  pod: string,
  port: number,
): void {
  ws.send(Buffer.from([0, port & 0xff, port >> 8]));
  ws.send(Buffer.from([1, port & 0xff, port >> 8]));
  const socket = new TunnelEnd(ws);
  // A closed tunnel destroys the stream; that is not a simulator failure.
  socket.on("error", () => {});
  ws.on("message", (data: Buffer, isBinary: boolean) => {
    if (isBinary && data.length > 1 && data[0] === 0) socket.push(data.subarray(1));
  });
  ws.on("close", () => {
    socket.push(null);
    socket.destroy();
  });
  ws.on("error", () => socket.destroy());
  const error = pods.portForward(namespace, pod, port, socket);
  if (error !== undefined) {
    ws.send(Buffer.concat([Buffer.from([1]), Buffer.from(error)]));
    ws.close();
  }
}
