/**
 * Template fragment caching, Django's `{% cache %}`:
 *
 *     {{#cache 600 "sidebar" request.user.id}} … costly part … {{/cache}}
 *
 * keeps the block's HTML for 600 seconds (null: until evicted) under its
 * name and the values after it, so one fragment is kept per user here.
 *
 * Handlebars helpers are synchronous and a cache is not, so a render that
 * can cache (renderAsync, or render() of the shortcuts) leaves a
 * placeholder per fragment, then looks every fragment up in one getMany and
 * renders only the misses — each from the block as it was, with its
 * context — storing them for next time. Placeholders carry a random nonce,
 * so page content cannot forge one. Without a cache (a plain `render()`, an
 * email), the block is rendered in place.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { HelperOptions } from 'handlebars';

/** What fragment caching needs of a cache; tsgate/cache's Cache is one. */
export interface FragmentCache {
  getMany<T = unknown>(keys: readonly string[]): Promise<Map<string, T>>;
  set(key: string, value: unknown, options: { ttl?: number | null }): Promise<void>;
}

interface Pending {
  key: string;
  ttl: number | null;
  render: () => string;
}

/** The fragments one render left placeholders for, by id; kept in the render's data frame. */
export class FragmentCollector {
  readonly pending = new Map<string, Pending>();
  /** Made with the first placeholder: most renders have no fragment, and random bytes were a tenth of their CPU. */
  private nonce: string | undefined;
  private next = 0;

  private token(): string {
    this.nonce ??= randomBytes(9).toString('base64url');
    return this.nonce;
  }

  placeholder(entry: Pending): string {
    const id = String(this.next++);
    this.pending.set(id, entry);
    return `<!--tsgate:fragment:${this.token()}:${id}-->`;
  }

  get pattern(): RegExp {
    return new RegExp(`<!--tsgate:fragment:${this.token()}:(\\d+)-->`, 'g');
  }
}

/** The key in a render's data that holds its collector. */
export const COLLECTOR = 'tsgateFragments';

function fragmentKey(name: string, varyOn: readonly unknown[]): string {
  const vary = createHash('sha256').update(JSON.stringify(varyOn.map((value) => (value === undefined ? null : value)))).digest('hex').slice(0, 32);
  return `template.fragment.${name}.${vary}`;
}

/** `{{#cache ttl "name" vary…}}`: a placeholder when the render collects, else the block itself. */
export function cacheHelper(this: unknown, ...args: unknown[]): string {
  const options = args.pop() as HelperOptions;
  const [ttl, name, ...varyOn] = args;
  if (typeof options?.fn !== 'function') throw new Error('cache is a block helper: {{#cache 600 "name"}} … {{/cache}}');
  if (!(ttl === null || (typeof ttl === 'number' && Number.isFinite(ttl) && ttl >= 0))) {
    throw new Error(`the first argument is seconds to keep the fragment (or null), e.g. {{#cache 600 "sidebar"}}; got ${JSON.stringify(ttl) ?? String(ttl)}`);
  }
  if (typeof name !== 'string' || name === '') throw new Error('the second argument names the fragment, e.g. {{#cache 600 "sidebar" request.user.id}}');
  const context = this;
  // A copy of the data frame as it is now: {{#each}} changes @index in place as it goes on.
  const data = { ...(options.data as Record<string, unknown> | undefined) };
  const render = () => options.fn(context, { data } as Parameters<HelperOptions['fn']>[1]);
  const collector = data[COLLECTOR];
  if (!(collector instanceof FragmentCollector)) return render();
  return collector.placeholder({ key: fragmentKey(name, varyOn), ttl, render });
}

/** `text` with every fragment placeholder filled: from the cache, or rendered (and then stored). */
export async function fillFragments(text: string, collector: FragmentCollector, cache: FragmentCache): Promise<string> {
  const pattern = collector.pattern;
  const ids = [...new Set([...text.matchAll(pattern)].map((match) => match[1] as string))];
  if (ids.length === 0) return text;
  const entries = ids.map((id) => [id, collector.pending.get(id)] as const);
  const keys = [...new Set(entries.flatMap(([, entry]) => (entry ? [entry.key] : [])))];
  const found = await cache.getMany<string>(keys);
  const filled = new Map<string, string>();
  for (const [id, entry] of entries) {
    if (!entry) continue;
    let html = found.get(entry.key);
    if (typeof html !== 'string') {
      // A fragment inside this one is filled first, so what is stored is whole.
      html = await fillFragments(entry.render(), collector, cache);
      if (entry.ttl !== 0) await cache.set(entry.key, html, { ttl: entry.ttl });
      found.set(entry.key, html);
    }
    filled.set(id, html);
  }
  return text.replace(pattern, (_, id: string) => filled.get(id) ?? '');
}
