// The Node the standalone binary carries (scripts/build-binary.mjs): the current LTS line, pinned so
// that a release is reproducible. bench/binary.mjs compares the binary with it.
export const NODE_FOR_BINARY = "26.12.1";
