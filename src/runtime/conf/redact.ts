/**
 * A URL as messages, logs and the debug page show it: the password masked,
 * the rest kept so the reader can tell which server is meant. The password
 * runs to the last @ of the authority, because the URL parser (and so the
 * driver) reads an unencoded @ as part of it: stopping at the first would
 * show the rest of the password. Not anchored, so a value that is not a
 * valid URL (the message that says so) and a text holding several URLs are
 * masked too.
 */
export function redactUrl(text: string, mask = '***'): string {
  return text.replace(/(\/\/[^:/?#@\s]*):[^/?#\s]*@/g, `$1:${mask}@`);
}
