/** The first line of the message of anything thrown. */
export function firstLine(error: unknown): string {
  // WebSocket failures arrive as ErrorEvents: objects with a message, not Errors.
  const message =
    typeof (error as { message?: unknown })?.message === "string"
      ? (error as { message: string }).message
      : String(error);
  return message.split("\n")[0] ?? "";
}
