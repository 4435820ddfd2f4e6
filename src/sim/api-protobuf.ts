// kubectl sends built-in kinds as Kubernetes protobuf: the magic "k8s\0", then a runtime.Unknown
// wrapping the object's own encoding (k8s.io/apimachinery/pkg/runtime/serializer/protobuf). The
// simulator reads the few kinds it is sent that way, the reviews `kubectl auth can-i` posts and the
// TokenRequest of `kubectl create token`, with protobufjs (field numbers from k8s.io/api
// authorization/v1 and authentication/v1 generated.proto), and answers in JSON, which the client
// accepts as well.
import protobuf from "protobufjs/light.js";

const string = (id: number) => ({ type: "string", id });

const root = protobuf.Root.fromJSON({
  nested: {
    TypeMeta: { fields: { apiVersion: string(1), kind: string(2) } },
    Unknown: {
      fields: {
        typeMeta: { type: "TypeMeta", id: 1 },
        raw: { type: "bytes", id: 2 },
        contentEncoding: string(3),
        contentType: string(4),
      },
    },
    ObjectMeta: { fields: { name: string(1), namespace: string(3) } },
    ResourceAttributes: {
      fields: {
        namespace: string(1),
        verb: string(2),
        group: string(3),
        version: string(4),
        resource: string(5),
        subresource: string(6),
        name: string(7),
      },
    },
    NonResourceAttributes: { fields: { path: string(1), verb: string(2) } },
    SelfSubjectAccessReviewSpec: {
      fields: {
        resourceAttributes: { type: "ResourceAttributes", id: 1 },
        nonResourceAttributes: { type: "NonResourceAttributes", id: 2 },
      },
    },
    SelfSubjectAccessReview: {
      fields: {
        metadata: { type: "ObjectMeta", id: 1 },
        spec: { type: "SelfSubjectAccessReviewSpec", id: 2 },
      },
    },
    SelfSubjectRulesReviewSpec: { fields: { namespace: string(1) } },
    SelfSubjectRulesReview: {
      fields: {
        metadata: { type: "ObjectMeta", id: 1 },
        spec: { type: "SelfSubjectRulesReviewSpec", id: 2 },
      },
    },
    TokenRequestSpec: {
      fields: {
        audiences: { rule: "repeated", type: "string", id: 1 },
        expirationSeconds: { type: "int64", id: 4 },
      },
    },
    TokenRequest: {
      fields: {
        metadata: { type: "ObjectMeta", id: 1 },
        spec: { type: "TokenRequestSpec", id: 2 },
      },
    },
  },
});

const KINDS = new Set(["SelfSubjectAccessReview", "SelfSubjectRulesReview", "TokenRequest"]);
const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

/** The object a protobuf body carries, as its JSON form; undefined when it is none of these kinds. */
export function decodeKubeProtobuf(bytes: Buffer): Record<string, unknown> | undefined {
  if (!bytes.subarray(0, 4).equals(MAGIC)) return undefined;
  try {
    const envelope = root.lookupType("Unknown").decode(bytes.subarray(4)) as unknown as {
      typeMeta?: { apiVersion?: string; kind?: string };
      raw?: Uint8Array;
    };
    const kind = envelope.typeMeta?.kind ?? "";
    if (!KINDS.has(kind) || envelope.raw === undefined) return undefined;
    const type = root.lookupType(kind);
    const object = type.toObject(type.decode(envelope.raw), { longs: Number });
    return { apiVersion: envelope.typeMeta?.apiVersion, kind, ...object };
  } catch {
    return undefined;
  }
}
