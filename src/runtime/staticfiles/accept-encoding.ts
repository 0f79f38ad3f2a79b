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
