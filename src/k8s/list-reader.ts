// A Kubernetes LIST answer read as it arrives: each element of its top-level `items` array is
// handed over as soon as its bytes are complete, and the list's `metadata` is kept, so that a
// page of 500 pods is never held (as text or as objects) all at once: memory stays flat however
// big the cluster (issue 16). The scanner only finds where each item starts and ends; each item
// is then parsed by JSON.parse. Hand-written rather than stream-json, the well-kept streaming
// parser, because that is an order of magnitude slower on a page of pods (docs/performance.md).

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COLON = 0x3a;

/** What the list says besides its items: `metadata.continue` for the next page. */
export interface ListEnvelope {
  metadata?: { continue?: string; resourceVersion?: string; remainingItemCount?: number };
}

/**
 * Splits a LIST body (`{"kind":..,"metadata":{..},"items":[{..},{..}]}`, keys in any order) into
 * its items, pushed in pieces of any size. `onItem` gets each item's JSON text.
 */
export class ListReader {
  private readonly onItem: (json: string) => void;
  private depth = 0;
  private inString = false;
  private escaped = false;
  /** The last string seen at depth 1, and whether a colon followed it: the key being read. */
  private keyStart = -1;
  private keyParts: Buffer[] = [];
  private lastKey = "";
  private key = "";
  /** Where the value being kept (an item, or the metadata object) began; its earlier pieces. */
  private keepFrom = -1;
  private kept: Buffer[] = [];
  private keeping: "item" | "metadata" | undefined;
  private inItems = false;
  private metadataText = "";

  constructor(onItem: (json: string) => void) {
    this.onItem = onItem;
  }

  push(bytes: Buffer): void {
    let { depth, inString, escaped } = this;
    this.keepFrom = this.keeping === undefined ? -1 : 0;
    this.keyStart = this.keyStart >= 0 ? 0 : -1;
    for (let i = 0; i < bytes.length; i += 1) {
      const c = bytes[i] as number;
      if (inString) {
        if (escaped) escaped = false;
        else if (c === BACKSLASH) escaped = true;
        else if (c === QUOTE) {
          inString = false;
          if (this.keyStart >= 0) {
            this.keyParts.push(bytes.subarray(this.keyStart, i));
            this.lastKey = Buffer.concat(this.keyParts).toString("utf8");
            this.keyParts = [];
            this.keyStart = -1;
          }
        }
        continue;
      }
      switch (c) {
        case QUOTE:
          inString = true;
          if (depth === 1) {
            this.keyStart = i + 1;
            this.keyParts = [];
          }
          break;
        case COLON:
          if (depth === 1) this.key = this.lastKey;
          break;
        case OPEN_BRACE:
        case OPEN_BRACKET:
          if (depth === 1 && this.key === "items" && c === OPEN_BRACKET) this.inItems = true;
          else if (depth === 1 && this.key === "metadata" && c === OPEN_BRACE) {
            this.keeping = "metadata";
            this.keepFrom = i;
          } else if (depth === 2 && this.inItems && c === OPEN_BRACE) {
            this.keeping = "item";
            this.keepFrom = i;
          }
          depth += 1;
          break;
        case CLOSE_BRACE:
        case CLOSE_BRACKET:
          depth -= 1;
          if (depth === 1 && this.inItems && c === CLOSE_BRACKET) this.inItems = false;
          else if (depth === 2 && this.keeping === "item") this.emit(bytes, i);
          else if (depth === 1 && this.keeping === "metadata") {
            this.metadataText = this.take(bytes, i);
          }
          if (depth === 1) this.key = "";
          break;
        default:
          break;
      }
    }
    if (this.keeping !== undefined && this.keepFrom >= 0)
      this.kept.push(bytes.subarray(this.keepFrom));
    if (this.keyStart >= 0) this.keyParts.push(bytes.subarray(this.keyStart));
    this.depth = depth;
    this.inString = inString;
    this.escaped = escaped;
  }

  /** The list's metadata, once the whole body was pushed; throws if it was not a whole object. */
  end(): ListEnvelope {
    if (this.depth !== 0 || this.inString) throw new Error("the list answer was cut short");
    return this.metadataText === "" ? {} : { metadata: JSON.parse(this.metadataText) };
  }

  private take(bytes: Buffer, end: number): string {
    const last = bytes.subarray(this.keepFrom, end + 1);
    const text =
      this.kept.length === 0
        ? last.toString("utf8")
        : Buffer.concat([...this.kept, last]).toString("utf8");
    this.kept = [];
    this.keeping = undefined;
    this.keepFrom = -1;
    return text;
  }

  private emit(bytes: Buffer, end: number): void {
    this.onItem(this.take(bytes, end));
  }
}
