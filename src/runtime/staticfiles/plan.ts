/**
 * Post-processing planned before anything in STATIC_ROOT changes: the
 * hashed name of every file, dependencies before dependents, so a file's
 * hash covers the names it references (Django's ManifestStaticFilesStorage).
 * Everything that can fail on the sources (a missing reference, a cycle)
 * is found here. A file whose source and whose dependencies' names are as
 * the rerun cache recorded is not read again; a changed one is redone with
 * every file that references it (transitively, when the names change).
 */
import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { sha12, sha12Of } from './digest.js';
import { CollectStaticError } from './errors.js';
import type { Found } from './gather.js';
import { pool } from './pool.js';
import type { Freshness } from './rerun-cache.js';
import { hashedName, referenceKind, referencesOf, rewriteReferences } from './rewrite.js';
import { pathIn } from './root.js';

export interface Planned {
  relative: string;
  hashed: string;
  /** Rewritten content (CSS/JS with references), else undefined: the hashed copy is the source file. */
  content: Buffer | undefined;
  /** The hashed copy must be (re)written: the source changed, a dependency's name changed, or the copy is missing. */
  redo: boolean;
  refs: [string, string][] | undefined;
  /** `[target, hashed name]` of each collected file it references, once each, in reference order. */
  deps: [string, string][] | undefined;
}

export interface Plan {
  planned: Map<string, Planned>;
  warnings: string[];
}

/** `[target, url as written]` of each reference, by the CSS/JS file making them. */
type References = Map<string, [string, string][]>;

/** What planning works from; `bytes` holds the sources already read, and gains those read here. */
export interface PlanInput {
  files: ReadonlyMap<string, Found>;
  staticUrl: string;
  strict: boolean;
  fresh: Freshness;
  root: string;
  bytes: Map<string, Buffer>;
}

function cycleError(cycle: string[]): CollectStaticError {
  const kind = cycle.every((name) => name.endsWith('.css')) ? 'CSS files' : 'Files';
  return new CollectStaticError(`${kind} reference each other in a cycle: ${cycle.map((name) => `'${name}'`).join(' -> ')}`);
}

/**
 * `[target, hashed name]` of each collected file among `refs`, once each,
 * in reference order. Pairs, not an object keyed by path: objects with
 * thousands of distinct keys each made V8 build a hidden class per key, in
 * JSON.parse of the rerun cache and here (~0.1 s of a no-op rerun of the
 * benchmark tree).
 */
function depsOf(refs: readonly [string, string][], planned: ReadonlyMap<string, Planned>): [string, string][] {
  const deps: [string, string][] = [];
  // A Set only for long lists: a file references a few paths, and a Set each cost more than scanning them.
  const seen = refs.length > 16 ? new Set<string>() : undefined;
  for (const [target] of refs) {
    const hashed = planned.get(target)?.hashed;
    if (hashed === undefined || (seen ? seen.has(target) : deps.some(([known]) => known === target))) continue;
    seen?.add(target);
    deps.push([target, hashed]);
  }
  return deps;
}

function sameDeps(a: readonly [string, string][], b: readonly [string, string][]): boolean {
  return a.length === b.length && a.every(([target, hashed], index) => b[index]?.[0] === target && b[index][1] === hashed);
}

/** The references of every CSS/JS file: from the cache when the source is unchanged, else parsed (and the bytes kept). */
async function readReferences(input: PlanInput): Promise<References> {
  const { files, staticUrl, fresh, bytes } = input;
  const refsOf: References = new Map();
  const toRead: Found[] = [];
  for (const file of files.values()) {
    if (referenceKind(file.relative) === undefined) continue;
    const cached = fresh(file)?.refs;
    if (cached) refsOf.set(file.relative, cached);
    else toRead.push(file);
  }
  await pool(toRead, 16, async (file) => {
    const content = bytes.get(file.relative) ?? (await readFile(file.source));
    bytes.set(file.relative, content);
    const kind = referenceKind(file.relative) as 'css' | 'js';
    const refs = referencesOf(kind, content.toString('utf8'), file.relative, staticUrl).map((ref): [string, string] => [ref.target, ref.url]);
    refsOf.set(file.relative, refs);
  });
  return refsOf;
}

/** References to files not collected: an error when `strict`, else warnings (the reference is left as written). */
function missingReferences(files: ReadonlyMap<string, Found>, refsOf: References, strict: boolean): string[] {
  const warnings: string[] = [];
  for (const relative of [...refsOf.keys()].sort()) {
    for (const [target, url] of refsOf.get(relative) ?? []) {
      if (files.has(target)) continue;
      const message = `The file '${target}' referenced from '${relative}' (as '${url}') could not be found.`;
      if (strict) throw new CollectStaticError(message);
      warnings.push(`${message} The reference is left as written.`);
    }
  }
  return warnings;
}

/** Files referencing no collected file: as the cache knows them when their hashed copy is there (no promise each: most of a no-op rerun), else hashed in parallel as they are. */
async function planLeaves(input: PlanInput, graph: ReadonlySet<string>, refsOf: References, planned: Map<string, Planned>): Promise<void> {
  const { files, fresh, root, bytes } = input;
  const toHash: Found[] = [];
  for (const file of files.values()) {
    if (graph.has(file.relative)) continue;
    const cached = fresh(file);
    if (cached && existsSync(pathIn(root, cached.hashed))) {
      planned.set(file.relative, { relative: file.relative, hashed: cached.hashed, content: undefined, redo: false, refs: refsOf.get(file.relative), deps: undefined });
    } else toHash.push(file);
  }
  await pool(toHash, 32, async (file) => {
    const read = bytes.get(file.relative);
    const hash = read ? sha12Of(read) : await sha12(file.source, file.stats.size);
    planned.set(file.relative, { relative: file.relative, hashed: hashedName(file.relative, hash), content: undefined, redo: true, refs: refsOf.get(file.relative), deps: undefined });
  });
}

/** One referencing file, its dependencies planned: as cached when their names are unchanged, else rewritten to their hashed names and hashed. */
function planReferencing(input: PlanInput, relative: string, refs: [string, string][], planned: Map<string, Planned>): Planned {
  const { files, staticUrl, fresh, root, bytes } = input;
  const deps = depsOf(refs, planned);
  const file = files.get(relative) as Found;
  const cached = fresh(file);
  if (cached?.deps && sameDeps(cached.deps, deps) && existsSync(pathIn(root, cached.hashed))) {
    return { relative, hashed: cached.hashed, content: undefined, redo: false, refs, deps };
  }
  const original = bytes.get(relative) ?? readFileSync(file.source);
  const text = original.toString('utf8');
  const kind = referenceKind(relative) as 'css' | 'js';
  const found = referencesOf(kind, text, relative, staticUrl).filter((ref) => files.has(ref.target));
  const content = Buffer.from(rewriteReferences(text, found, relative, staticUrl, (target) => planned.get(target)?.hashed ?? target), 'utf8');
  return { relative, hashed: hashedName(relative, sha12Of(content)), content, redo: true, refs, deps };
}

/** The referencing files, depth first so each one's dependencies are planned before it; throws on a cycle. */
function planInDependencyOrder(input: PlanInput, graph: ReadonlySet<string>, refsOf: References, planned: Map<string, Planned>): void {
  const state = new Map<string, 'visiting' | 'done'>();
  // The files being visited, outermost first: one array for the walk, copied only to report a cycle.
  const trail: string[] = [];
  const visit = (relative: string): void => {
    if (!graph.has(relative)) return;
    const mark = state.get(relative);
    if (mark === 'done') return;
    if (mark === 'visiting') throw cycleError([...trail.slice(trail.indexOf(relative)), relative]);
    state.set(relative, 'visiting');
    trail.push(relative);
    const refs = refsOf.get(relative) ?? [];
    for (const [target] of refs) visit(target);
    trail.pop();
    planned.set(relative, planReferencing(input, relative, refs, planned));
    state.set(relative, 'done');
  };
  for (const relative of [...graph].sort()) visit(relative);
}

/**
 * Hashed names for every file, dependencies before dependents; throws on a
 * missing reference (unless `strict` is false) or a cycle.
 */
export async function planPostProcessing(input: PlanInput): Promise<Plan> {
  const refsOf = await readReferences(input);
  const warnings = missingReferences(input.files, refsOf, input.strict);
  const planned = new Map<string, Planned>();
  const graph = new Set([...refsOf].filter(([, refs]) => refs.some(([target]) => input.files.has(target))).map(([relative]) => relative));
  await planLeaves(input, graph, refsOf, planned);
  planInDependencyOrder(input, graph, refsOf, planned);
  return { planned, warnings };
}
