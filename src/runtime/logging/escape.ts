/**
 * Control characters in logged text: C0 (newline, ESC…), DEL, C1 (0x9b is
 * a one-byte CSI to some terminals) and U+2028/U+2029, which JavaScript and
 * some log viewers treat as line ends.
 */
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

/** What JSON.stringify leaves raw of the above: it escapes C0 itself. */
export const JSON_UNSAFE = /[\u007f-\u009f\u2028\u2029]/g;

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** `a\nb` as the four characters `a\nb`, ESC as `\x1b`, U+2028 as `\u2028`: one visible line, no terminal control. */
export function escapeControl(text: string): string {
  return text.replace(CONTROL, (c) => {
    const code = c.charCodeAt(0);
    return NAMED[c] ?? (code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16)}`);
  });
}
