// The events behind Linkerd's tap goldens as framed bytes, written out here from the field numbers
// (linkerd-facts.md 3.3), not by the protobuf library: the protocol test decodes them, and the e2e
// test has the simulator's tap server replay them to the CLI.

// Protobuf wire format by hand: a tag is (field << 3) | wire type; every length here is < 128.
const text = (s: string) => [...Buffer.from(s)];
const len = (field: number, ...payload: number[]) => [(field << 3) | 2, payload.length, ...payload];
const varint = (field: number, value: number) => [(field << 3) | 0, value];
const fixed32 = (field: number, value: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(value);
  return [(field << 3) | 5, ...b];
};
const fixed64 = (field: number, value: bigint) => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(value);
  return [(field << 3) | 1, ...b];
};
const frame = (bytes: number[]) => {
  const head = Buffer.alloc(4);
  head.writeUInt32LE(bytes.length);
  return Buffer.concat([head, Buffer.from(bytes)]);
};

// The events behind Linkerd's tap goldens (viz/cmd/tap_test.go): OUTBOUND, source 0.0.0.1:0,
// destination [ff01::1]:0.
const source = len(1, ...len(1, ...fixed32(1, 1))); // TapEvent.source = {ip: {ipv4: 0.0.0.1}}
const destination = len(
  2,
  ...len(1, ...len(2, ...fixed64(1, 0xff01000000000000n), ...fixed64(2, 1n))),
);
const outbound = varint(6, 2);
const requestEvent = [
  ...source,
  ...destination,
  // destination_meta = {labels: {pod: my-pod, tls: "true"}} (map entries: key = 1, value = 2)
  ...len(
    4,
    ...len(1, ...len(1, ...text("pod")), ...len(2, ...text("my-pod"))),
    ...len(1, ...len(1, ...text("tls")), ...len(2, ...text("true"))),
  ),
  ...outbound,
  // http.request_init = {id: {base: 1}, method: GET, scheme: HTTPS, authority, path, headers}
  ...len(
    3,
    ...len(
      1,
      ...len(1, ...varint(1, 1)),
      ...len(2, ...varint(1, 0)),
      ...len(3, ...varint(1, 1)),
      ...len(4, ...text("localhost")),
      ...len(5, ...text("/some/path")),
      ...len(
        6,
        ...len(1, ...len(1, ...text("header-name-1")), ...len(2, ...text("header-value-str-1"))),
        ...len(1, ...len(1, ...text("header-name-2")), ...len(3, ...text("header-value-bin-2"))),
      ),
    ),
  ),
];
const endEvent = [
  ...source,
  ...destination,
  ...outbound,
  // http.response_end = {id: {base: 1}, since_request_init: 10s, since_response_init: 100s,
  // response_bytes: 1337, eos: {grpc_status_code: 666}, trailers}
  ...len(
    3,
    ...len(
      3,
      ...len(1, ...varint(1, 1)),
      ...len(2, ...varint(1, 10)),
      ...len(3, ...varint(1, 100)),
      ...[(4 << 3) | 0, 0xb9, 0x0a], // 1337 as a varint: 0x539 -> b9 0a
      ...len(5, ...[(1 << 3) | 0, 0x9a, 0x05]), // 666 -> 9a 05
      ...len(
        6,
        ...len(1, ...len(1, ...text("trailer-name")), ...len(3, ...text("header-value-bin"))),
      ),
    ),
  ),
];
export const goldenStream = Buffer.concat([frame(requestEvent), frame(endEvent)]);
