/**
 * The runtime's import graph keeps the shape docs/architecture.md draws:
 * no two files import each other in a loop, no two folders of src/runtime
 * depend on each other both ways, conf/ never imports db/ (db/ reads the
 * settings; the settings checks use conf's own database URL parser), and
 * nothing in the runtime reaches outside it (src/create is the generator's).
 * Type-only imports count: they tie the folders together just the same.
 *
 * Specifiers are read with TypeScript's own pre-processor (static imports,
 * `export … from`, `import()` with a literal), not by a regular expression.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { REPO } from '../helpers/process.js';

const RUNTIME = join(REPO, 'src', 'runtime');

type Graph = Map<string, Set<string>>;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** File → the files it imports, as paths relative to src/runtime; a specifier leaving src/runtime is kept as `../…`. */
function fileGraph(): Graph {
  const graph: Graph = new Map();
  for (const file of sourceFiles(RUNTIME)) {
    const from = relative(RUNTIME, file).split(sep).join('/');
    const targets = new Set<string>();
    for (const { fileName } of ts.preProcessFile(readFileSync(file, 'utf8'), true, true).importedFiles) {
      if (!fileName.startsWith('.')) continue; // a package or node: built-in
      const target = relative(RUNTIME, resolve(dirname(file), fileName.replace(/\.js$/, '.ts')));
      targets.add(target.split(sep).join('/'));
    }
    graph.set(from, targets);
  }
  return graph;
}

/** The folder a file belongs to: its first path segment (`conf/env.ts` → `conf`); a file at the top is its own. */
function folderOf(file: string): string {
  return file.includes('/') ? (file.split('/')[0] as string) : file;
}

function folderGraph(files: Graph): Graph {
  const graph: Graph = new Map();
  for (const [from, targets] of files) {
    const edges = graph.get(folderOf(from)) ?? new Set<string>();
    for (const target of targets) if (folderOf(target) !== folderOf(from)) edges.add(folderOf(target));
    graph.set(folderOf(from), edges);
  }
  return graph;
}

/** Every loop: the strongly connected components (Tarjan) of more than one node, or a node importing itself. */
export function loops(graph: Graph): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  let next = 0;
  const visit = (node: string): void => {
    index.set(node, next);
    low.set(node, next++);
    stack.push(node);
    onStack.add(node);
    for (const target of graph.get(node) ?? []) {
      if (!index.has(target)) {
        visit(target);
        low.set(node, Math.min(low.get(node) as number, low.get(target) as number));
      } else if (onStack.has(target)) {
        low.set(node, Math.min(low.get(node) as number, index.get(target) as number));
      }
    }
    if (low.get(node) !== index.get(node)) return;
    const component: string[] = [];
    let member: string;
    do {
      member = stack.pop() as string;
      onStack.delete(member);
      component.push(member);
    } while (member !== node);
    if (component.length > 1 || graph.get(node)?.has(node)) found.push(component.sort());
  };
  for (const node of graph.keys()) if (!index.has(node)) visit(node);
  return found;
}

/** The import lines of `files` that point into `to`, for a failure message. */
function importsInto(files: Graph, from: string, to: string): string[] {
  return [...files].flatMap(([file, targets]) => (folderOf(file) === from ? [...targets].filter((target) => folderOf(target) === to).map((target) => `${file} -> ${target}`) : []));
}

describe('the loop finder', () => {
  it('finds a loop of two, a longer one and a self-import, and nothing in a tree', () => {
    const graph: Graph = new Map([
      ['a', new Set(['b'])],
      ['b', new Set(['a', 'c'])],
      ['c', new Set(['d'])],
      ['d', new Set(['e'])],
      ['e', new Set(['c'])],
      ['f', new Set(['f'])],
      ['g', new Set(['a'])],
    ]);
    expect(loops(graph)).toEqual(expect.arrayContaining([['a', 'b'], ['c', 'd', 'e'], ['f']]));
    expect(loops(graph)).toHaveLength(3);
    expect(loops(new Map([['a', new Set(['b', 'c'])], ['b', new Set(['c'])], ['c', new Set<string>()]]))).toEqual([]);
  });
});

describe('the runtime import graph (src/runtime)', () => {
  const files = fileGraph();
  const folders = folderGraph(files);

  it('reads the runtime: every folder, and imports between them', () => {
    for (const folder of ['conf', 'db', 'http', 'management', 'server', 'staticfiles', 'tsgi']) expect(folders.has(folder), folder).toBe(true);
    expect(folders.get('db')?.has('conf')).toBe(true);
    expect(folders.get('management')?.has('db')).toBe(true);
  });

  it('has no loop of files', () => {
    expect(loops(files)).toEqual([]);
  });

  it('has no two folders that import each other, directly or round a longer loop', () => {
    const found = loops(folders).map((loop) => `${loop.join(' <-> ')}:\n${loop.flatMap((from) => loop.flatMap((to) => (to === from ? [] : importsInto(files, from, to)))).join('\n')}`);
    expect(found).toEqual([]);
  });

  it('keeps conf below db: conf imports nothing from db', () => {
    expect(importsInto(files, 'conf', 'db')).toEqual([]);
  });

  it('imports nothing from outside src/runtime but packages', () => {
    const outside = [...files].flatMap(([file, targets]) => [...targets].filter((target) => target.startsWith('..')).map((target) => `${file} -> ${target}`));
    expect(outside).toEqual([]);
  });
});
