/**
 * A URL as messages, logs and the debug page show it: the password masked,
 * the scheme and user kept so the reader can tell which server is meant.
 *
 * The text is taken as one URL, and the password as running from the first
 * `user:` after `//` to the last `@`: the URL parser (and so the driver)
 * reads an unencoded @ as part of the password, and a password holding `/`,
 * `?`, `#` or a space (which makes the value no URL at all, the very case a
 * message shows it) must not show either. An @ later in the path or query
 * masks the host too: more hidden, never less.
 */
export function redactUrl(text: string, mask = '***'): string {
  return text.replace(/(\/\/[^:/?#@\s]*):[\s\S]*@/, `$1:${mask}@`);
}
