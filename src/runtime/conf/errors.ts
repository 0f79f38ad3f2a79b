/** Settings that cannot work; the message names each setting and the fix. */
export class ImproperlyConfigured extends Error {
  override name = 'ImproperlyConfigured';
  constructor(readonly problems: string[]) {
    super(problems.length === 1 ? (problems[0] as string) : `${problems.length} problems in settings:\n  - ${problems.join('\n  - ')}`);
  }
}
