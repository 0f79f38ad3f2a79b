// @ts-check
/**
 * Cookies for the benchmarks that load a page as a returning visitor (the
 * welcome page, the anchors): read what a first visit's Set-Cookie headers
 * set, and send it back.
 */

/**
 * The value a Set-Cookie header gives `name`, if one does.
 * @param {string[]} setCookies
 * @param {string} name
 */
export function cookieValue(setCookies, name) {
  for (const header of setCookies) {
    const pair = header.split(';', 1)[0] ?? '';
    const eq = pair.indexOf('=');
    if (eq > 0 && pair.slice(0, eq).trim() === name) return pair.slice(eq + 1).trim();
  }
  return undefined;
}

/**
 * The names the Set-Cookie headers set.
 * @param {string[]} setCookies
 */
export function cookieNames(setCookies) {
  return setCookies.map((header) => (header.split('=', 1)[0] ?? '').trim());
}

/**
 * A Cookie header sending back `names` (those the Set-Cookie headers set),
 * e.g. `sessionid=…; csrftoken=…`.
 * @param {string[]} setCookies
 * @param {readonly string[]} names
 */
export function cookieHeader(setCookies, names) {
  return names
    .flatMap((name) => {
      const value = cookieValue(setCookies, name);
      return value === undefined ? [] : [`${name}=${value}`];
    })
    .join('; ');
}
