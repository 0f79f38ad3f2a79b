/** What collectstatic refuses to do: a setting it cannot work with, or a problem found in the sources while planning. */
export class CollectStaticError extends Error {
  override name = 'CollectStaticError';
}
