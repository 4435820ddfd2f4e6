/**
 * Escapes control characters in text that came from the cluster or a proxy, so a hostile name or
 * label cannot drive the user's terminal (ESC sequences, carriage returns, bells ...).
 * Line breaks and tabs that meshlens itself puts into messages are kept when asked.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

export function escapeControl(text: string, keepLayout = false): string {
  // Most text has none: a test is far cheaper than a replace, and tap prints lines at a high rate.
  if (!CONTROL.test(text)) return text;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (char) => {
    if (keepLayout && (char === "\n" || char === "\t")) return char;
    const code = char.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, "0")}` : char;
  });
}
