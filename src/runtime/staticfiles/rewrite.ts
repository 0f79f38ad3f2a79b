/**
 * Content-hashed names and the CSS references that point at them:
 * `url(...)`, `@import "..."` and `sourceMappingURL` comments, resolved
 * against the referencing file (or STATIC_URL for absolute paths).
 */
import { posix } from 'node:path';

/** `css/site.css` + hash → `css/site.<hash>.css` (`LICENSE` → `LICENSE.<hash>`). */
export function hashedName(relative: string, hash: string): string {
  const slash = relative.lastIndexOf('/');
  const dir = relative.slice(0, slash + 1);
  const name = relative.slice(slash + 1);
  const dot = name.lastIndexOf('.');
  return dot > 0 ? `${dir}${name.slice(0, dot)}.${hash}${name.slice(dot)}` : `${dir}${name}.${hash}`;
}

export interface CssReference {
  /** The URL as written. */
  url: string;
  /** The static path it names, e.g. `img/logo.png`. */
  target: string;
  /** Offsets of `url` in the text. */
  start: number;
  end: number;
}

const PATTERNS: readonly RegExp[] = [
  /url\(\s*(?:"([^"]*)"|'([^']*)'|([^)'"\s]*))\s*\)/dg,
  /@import\s+(?:"([^"]*)"|'([^']*)')/dg,
  /\/\*#\s*sourceMappingURL=([^\s*]+)\s*\*\//dg,
];

/** The static path a CSS URL names, or undefined for URLs left alone (data:, schemes, //, #fragment, absolute outside STATIC_URL). */
export function resolveReference(url: string, from: string, staticUrl: string): { target: string; absolute: boolean; suffix: string } | undefined {
  if (url === '' || url.startsWith('#') || url.startsWith('//') || /^[a-z][a-z0-9+.-]*:/i.test(url)) return undefined;
  const cut = url.search(/[?#]/);
  const path = cut === -1 ? url : url.slice(0, cut);
  const suffix = cut === -1 ? '' : url.slice(cut);
  if (path === '') return undefined;
  if (path.startsWith('/')) {
    if (!staticUrl.startsWith('/') || !path.startsWith(staticUrl)) return undefined;
    return { target: posix.normalize(path.slice(staticUrl.length)), absolute: true, suffix };
  }
  return { target: posix.normalize(posix.join(posix.dirname(from), path)), absolute: false, suffix };
}

/** Every reference in `text` (a file at static path `from`) that names a static file. */
export function cssReferences(text: string, from: string, staticUrl: string): CssReference[] {
  const found: CssReference[] = [];
  for (const pattern of PATTERNS) {
    for (const match of text.matchAll(pattern)) {
      const group = [1, 2, 3].find((index) => match[index] !== undefined);
      const span = group === undefined ? undefined : match.indices?.[group];
      const url = group === undefined ? undefined : match[group];
      if (url === undefined || span === undefined) continue;
      const resolved = resolveReference(url.trim(), from, staticUrl);
      if (resolved) found.push({ url, target: resolved.target, start: span[0], end: span[1] });
    }
  }
  return found.sort((a, b) => a.start - b.start).filter((ref, index, all) => index === 0 || ref.start >= (all[index - 1] as CssReference).end);
}

/** `text` with each reference pointing at `nameOf(target)`, keeping relative URLs relative and ?query/#fragment suffixes. */
export function rewriteCss(text: string, from: string, staticUrl: string, nameOf: (target: string) => string): string {
  let out = '';
  let at = 0;
  for (const ref of cssReferences(text, from, staticUrl)) {
    const resolved = resolveReference(ref.url.trim(), from, staticUrl);
    if (!resolved) continue;
    const hashed = nameOf(resolved.target);
    const cut = ref.url.trim().search(/[?#]/);
    const path = cut === -1 ? ref.url.trim() : ref.url.trim().slice(0, cut);
    const replacement = resolved.absolute ? `${staticUrl}${hashed}` : `${path.slice(0, path.lastIndexOf('/') + 1)}${posix.basename(hashed)}`;
    out += text.slice(at, ref.start) + replacement + resolved.suffix;
    at = ref.end;
  }
  return out + text.slice(at);
}
