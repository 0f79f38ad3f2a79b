/** Which source files collectstatic leaves out, as Django's `--ignore` patterns. */

/** Django's defaults: dotfiles, editor backups, CVS folders. */
export const DEFAULT_IGNORE_PATTERNS: readonly string[] = ['.*', '*~', 'CVS'];

/** `*`, `?` glob against one string. */
function globRegExp(pattern: string): RegExp {
  const body = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`);
}

/** A pattern with a `/` is matched against the whole path, any other against each segment (so `CVS` skips a folder's contents too). */
export function ignoreMatcher(patterns: readonly string[]): (relative: string) => boolean {
  const compiled = patterns.map((pattern) => ({ whole: pattern.includes('/'), re: globRegExp(pattern) }));
  return (relative) => {
    const segments = relative.split('/');
    return compiled.some(({ whole, re }) => (whole ? re.test(relative) : segments.some((segment) => re.test(segment))));
  };
}
