/** Which source files collectstatic leaves out, as Django's `--ignore` patterns. */

/** Django's defaults: dotfiles, editor backups, CVS folders. */
export const DEFAULT_IGNORE_PATTERNS: readonly string[] = ['.*', '*~', 'CVS'];

/** `*`, `?` glob against one string. */
function globRegExp(pattern: string): RegExp {
  const body = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`);
}

/** The patterns split by how they match: `segment` tests one name (a file's or a folder's), `path` a whole `/`-separated path. */
export interface IgnoreRules {
  segment: (name: string) => boolean;
  path: (relative: string) => boolean;
}

/** A pattern with a `/` is matched against the whole path, any other against each segment (so `CVS` skips a folder's contents too). */
export function ignoreRules(patterns: readonly string[]): IgnoreRules {
  const segments = patterns.filter((pattern) => !pattern.includes('/')).map(globRegExp);
  const paths = patterns.filter((pattern) => pattern.includes('/')).map(globRegExp);
  return {
    segment: (name) => segments.some((re) => re.test(name)),
    path: (relative) => paths.some((re) => re.test(relative)),
  };
}

/** ignoreRules() as one test of a whole path: ignored when any segment, or the path, matches. */
export function ignoreMatcher(patterns: readonly string[]): (relative: string) => boolean {
  const rules = ignoreRules(patterns);
  return (relative) => rules.path(relative) || relative.split('/').some(rules.segment);
}
