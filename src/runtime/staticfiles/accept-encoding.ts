/** `Accept-Encoding` negotiation between a file and its precompressed `.br`/`.gz` copies. */

export type Coding = 'br' | 'gzip';

/** Each listed coding's q-value, by lower-cased name; a part whose q is not a number is left out. */
function qValues(header: string): Map<string, number> {
  const q = new Map<string, number>();
  for (const part of header.split(',')) {
    const [name = '', ...params] = part.split(';').map((piece) => piece.trim());
    if (name === '') continue;
    let weight = 1;
    for (const param of params) {
      const match = /^q\s*=\s*([0-9.]+)$/i.exec(param);
      if (match) weight = Number(match[1]);
    }
    if (Number.isFinite(weight)) q.set(name.toLowerCase(), weight);
  }
  return q;
}

/** Parses `Accept-Encoding` into the chosen coding among `available`, or undefined for identity. Ties prefer br. */
export function chooseEncoding(header: string | undefined, available: readonly Coding[]): Coding | undefined {
  if (header === undefined || available.length === 0) return undefined;
  const q = qValues(header);
  const weightOf = (coding: string): number => q.get(coding) ?? (coding === 'identity' ? -1 : (q.get('*') ?? 0));
  let best: Coding | undefined;
  let bestWeight = 0;
  for (const coding of ['br', 'gzip'] as const) {
    if (!available.includes(coding)) continue;
    const weight = weightOf(coding === 'gzip' && !q.has('gzip') && q.has('x-gzip') ? 'x-gzip' : coding);
    if (weight > bestWeight) {
      best = coding;
      bestWeight = weight;
    }
  }
  // An identity explicitly preferred over every coding wins; unlisted, identity is the fallback.
  if (best !== undefined && weightOf('identity') > bestWeight) return undefined;
  return best;
}

/** Distinct `Accept-Encoding` values remembered per set of copies: clients send a handful (one per browser version). */
const CHOICES_MAX = 256;
/** Chosen coding (null: identity) by header value, for each set of copies a file can have: none, br, gzip, both. */
const choices: Map<string, Coding | null>[] = [new Map(), new Map(), new Map(), new Map()];

/**
 * `chooseEncoding`, remembered by header value: the answer depends only on
 * the value and which copies exist, and parsing the header (splits, trims, a
 * regex per q-value) made a `br` response cost more than the identity one.
 */
export function chooseEncodingCached(header: string, available: readonly Coding[]): Coding | undefined {
  const known = choices[(available.includes('br') ? 1 : 0) + (available.includes('gzip') ? 2 : 0)] as Map<string, Coding | null>;
  const cached = known.get(header);
  if (cached !== undefined) return cached ?? undefined;
  const chosen = chooseEncoding(header, available);
  if (known.size < CHOICES_MAX) known.set(header, chosen ?? null);
  return chosen;
}
