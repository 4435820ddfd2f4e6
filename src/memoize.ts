/**
 * A computation that runs once, on its first call; every later call gets the same result (for a
 * loader, the same promise: data several checks read; for a certificate, a field read on demand).
 */
export function memoize<T>(compute: () => T): () => T {
  // Boxed, so that an undefined result is remembered too.
  let result: { value: T } | undefined;
  return () => {
    result ??= { value: compute() };
    return result.value;
  };
}
