/** `manage test`: which files it finds, and what a path argument selects. */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CommandError } from '../../src/runtime/management/base.js';
import { COMMANDS } from '../../src/runtime/management/commands/index.js';
import { discoverTestFiles, filesFromLabels } from '../../src/runtime/management/commands/test.js';
import { tempDir } from '../helpers/process.js';

let root = '';

const FILES = [
  'test/welcome.test.ts',
  'test/nested/deep.test.ts',
  'test/helpers.ts',
  'blog/tests/blog.test.ts',
  'blog/tests/more/extra.test.mts',
  'blog/views.test.ts', // not in a tests/ folder
  'apps/shop/tests/shop.test.ts', // a nested app
  'node_modules/pkg/tests/pkg.test.ts',
  'blog/tests/node_modules/x/tests/x.test.ts',
  'dist/test/welcome.test.js',
  'dist/blog/tests/blog.test.js',
  'vendor/tests/v.test.ts',
  '.cache/tests/c.test.ts',
  'static/lib/tests/s.test.ts',
  'blog/tests/compiled.test.js',
];

const at = (...paths: string[]) => paths.map((path) => join(root, ...path.split('/'))).sort();

beforeAll(() => {
  root = tempDir('tsgate-testcmd-');
  for (const file of FILES) {
    mkdirSync(dirname(join(root, file)), { recursive: true });
    writeFileSync(join(root, file), '');
  }
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('test discovery', () => {
  it('is registered', () => {
    expect(COMMANDS.test?.summary).toMatch(/tests/);
  });

  it("finds test/** and every app's tests/**, never in node_modules, dist, vendor or dot folders", () => {
    expect(discoverTestFiles({ root, compiled: false })).toEqual(
      at('apps/shop/tests/shop.test.ts', 'blog/tests/blog.test.ts', 'blog/tests/more/extra.test.mts', 'test/nested/deep.test.ts', 'test/welcome.test.ts'),
    );
  });

  it('finds the .js files when running compiled, from the compiled tree', () => {
    expect(discoverTestFiles({ root: join(root, 'dist'), compiled: true })).toEqual(at('dist/blog/tests/blog.test.js', 'dist/test/welcome.test.js'));
  });

  it('takes a file as given, searches a folder, and the project folder by the default rules', () => {
    const layout = { root, compiled: false };
    expect(filesFromLabels(['test/welcome.test.ts'], layout, root)).toEqual(at('test/welcome.test.ts'));
    expect(filesFromLabels(['blog'], layout, root)).toEqual(at('blog/tests/blog.test.ts', 'blog/tests/more/extra.test.mts', 'blog/views.test.ts'));
    expect(filesFromLabels(['.'], layout, root)).toEqual(discoverTestFiles(layout));
    // From another folder, a path is also looked up from the project folder.
    expect(filesFromLabels(['apps/shop', 'test/welcome.test.ts', 'apps/shop/tests/shop.test.ts'], layout, '/')).toEqual(
      at('apps/shop/tests/shop.test.ts', 'test/welcome.test.ts'),
    );
  });

  it('refuses a path that does not exist as a usage error', () => {
    const error = (() => {
      try {
        filesFromLabels(['no/such.test.ts'], { root, compiled: false }, root);
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(CommandError);
    expect((error as CommandError).exitCode).toBe(2);
    expect((error as CommandError).message).toBe(`no test file or folder 'no/such.test.ts' (looked from ${root})`);
  });
});
