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

export interface Reference {
  /** The URL as written. */
  url: string;
  /** The static path it names, e.g. `img/logo.png`. */
  target: string;
  /** Offsets of `url` in the text. */
  start: number;
  end: number;
}
export type CssReference = Reference;

interface Pattern {
  re: RegExp;
}

const CSS_PATTERNS: readonly Pattern[] = [
  { re: /url\(\s*(?:"([^"]*)"|'([^']*)'|([^)'"\s]*))\s*\)/dg },
  { re: /@import\s+(?:"([^"]*)"|'([^']*)')/dg },
  { re: /\/\*#\s*sourceMappingURL=([^\s*]+)\s*\*\//dg },
];

/**
 * JS module references: `import … from '…'`, `export … from '…'`, the
 * side-effect `import '…'`, `import('literal')`, and the
 * `//# sourceMappingURL=` comment. Like Django's, these are patterns, not a
 * parser: text that looks like an import inside a string is rewritten too.
 * Only specifiers starting with `./`, `../` or `/` are files; bare ones
 * such as 'react' are packages and left alone.
 */
const JS_PATTERNS: readonly Pattern[] = [
  { re: /(?<![\w$.])(?:import|export)\s*(?:[\w$*{}\s,]*?\bfrom\s*)?(?:"((?:\.{1,2})?\/[^"\n]*)"|'((?:\.{1,2})?\/[^'\n]*)')/dg },
  { re: /(?<![\w$.])import\s*\(\s*(?:"((?:\.{1,2})?\/[^"\n]*)"|'((?:\.{1,2})?\/[^'\n]*)')\s*\)/dg },
  { re: /^\/\/[#@]\s*sourceMappingURL=(\S+)[ \t]*$/dgm },
];

/** Whether collectstatic looks for references in a file of this name. */
export function referenceKind(relative: string): 'css' | 'js' | undefined {
  if (relative.endsWith('.css')) return 'css';
  if (relative.endsWith('.js') || relative.endsWith('.mjs')) return 'js';
  return undefined;
}

/** The static path a URL names, or undefined for URLs left alone (data:, schemes, //, #fragment, absolute outside STATIC_URL). */
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

function findReferences(text: string, patterns: readonly Pattern[], from: string, staticUrl: string): Reference[] {
  const found: Reference[] = [];
  for (const { re } of patterns) {
    for (const match of text.matchAll(re)) {
      const group = [1, 2, 3].find((index) => match[index] !== undefined);
      const span = group === undefined ? undefined : match.indices?.[group];
      const url = group === undefined ? undefined : match[group];
      if (url === undefined || span === undefined) continue;
      const resolved = resolveReference(url.trim(), from, staticUrl);
      if (resolved) found.push({ url, target: resolved.target, start: span[0], end: span[1] });
    }
  }
  return found.sort((a, b) => a.start - b.start).filter((ref, index, all) => index === 0 || ref.start >= (all[index - 1] as Reference).end);
}

/** Every reference in `text` (a CSS file at static path `from`) that names a static file. */
export function cssReferences(text: string, from: string, staticUrl: string): Reference[] {
  return findReferences(text, CSS_PATTERNS, from, staticUrl);
}

/** Every relative (or STATIC_URL-absolute) module specifier and source map in `text`, a JS file at static path `from`. */
export function jsReferences(text: string, from: string, staticUrl: string): Reference[] {
  return findReferences(text, JS_PATTERNS, from, staticUrl);
}

export function referencesOf(kind: 'css' | 'js', text: string, from: string, staticUrl: string): Reference[] {
  return kind === 'css' ? cssReferences(text, from, staticUrl) : jsReferences(text, from, staticUrl);
}

/** `text` with each of `refs` pointing at `nameOf(target)`, keeping relative URLs relative and ?query/#fragment suffixes. */
export function rewriteReferences(text: string, refs: readonly Reference[], from: string, staticUrl: string, nameOf: (target: string) => string): string {
  let out = '';
  let at = 0;
  for (const ref of refs) {
    const trimmed = ref.url.trim();
    const resolved = resolveReference(trimmed, from, staticUrl);
    if (!resolved) continue;
    const hashed = nameOf(resolved.target);
    const cut = trimmed.search(/[?#]/);
    const path = cut === -1 ? trimmed : trimmed.slice(0, cut);
    const replacement = resolved.absolute ? `${staticUrl}${hashed}` : `${path.slice(0, path.lastIndexOf('/') + 1)}${posix.basename(hashed)}`;
    out += text.slice(at, ref.start) + replacement + resolved.suffix;
    at = ref.end;
  }
  return out + text.slice(at);
}

export function rewriteCss(text: string, from: string, staticUrl: string, nameOf: (target: string) => string): string {
  return rewriteReferences(text, cssReferences(text, from, staticUrl), from, staticUrl, nameOf);
}

export function rewriteJs(text: string, from: string, staticUrl: string, nameOf: (target: string) => string): string {
  return rewriteReferences(text, jsReferences(text, from, staticUrl), from, staticUrl, nameOf);
}
