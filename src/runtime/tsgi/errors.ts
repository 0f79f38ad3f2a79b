/** A breach of the TSGI contract by an application or a server. */
export class TsgiError extends Error {
  override name = 'TsgiError';
}
