/** Go `time.RFC3339` in UTC (`2030-08-26T07:12:47Z`), as Linkerd's messages and Kubernetes print times. */
export function rfc3339(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}
