/**
 * The template engine: lookup through the project's
 * and the apps' template folders, layouts and partials, autoescaping,
 * Django's lenient variables, and errors that name the template at fault.
 */
import { describe, expect, it } from 'vitest';
import { TemplateDoesNotExist, TemplateError, TemplateSyntaxError } from '../../src/runtime/templates/index.js';
import { appDir, engine, projectDir, squash, thrown } from './fixtures.js';

describe('template lookup', () => {
  it('takes the first folder that holds the name: project templates before app templates', () => {
    expect(engine().render('pages/shadowed.html', { who: 'x' }).trim()).toBe('project shadowed: x');
    // The same name, folders the other way round: now the app's copy wins.
    const appFirst = engine({ dirs: [appDir, projectDir] });
    expect(appFirst.render('pages/shadowed.html', { who: 'x' }).trim()).toBe('app shadowed: x');
  });

  it('falls through to a later folder for a name only it holds', () => {
    expect(engine().render('pages/app-only.html', { who: 'y' }).trim()).toBe('app only: y');
  });

  it('reports a missing template with every folder it looked in, in order', () => {
    const error = thrown(() => engine().render('pages/x.html', {}));
    expect(error).toBeInstanceOf(TemplateDoesNotExist);
    expect(String(error)).toBe(`TemplateDoesNotExist: pages/x.html (looked in: ${projectDir}, ${appDir})`);
    expect((error as TemplateDoesNotExist).tried).toEqual([projectDir, appDir]);
  });

  it('says so when no folders are configured', () => {
    const error = thrown(() => engine({ dirs: [] }).render('pages/home.html', {}));
    expect(error.message).toBe('pages/home.html (looked in: no template folders are configured)');
  });

  it('never finds a name that leaves its folder', () => {
    // project/secret.html exists, one level above project/templates.
    for (const name of ['../secret.html', `${projectDir}/../secret.html`, 'pages/../../secret.html']) {
      expect(thrown(() => engine().render(name, {}))).toBeInstanceOf(TemplateDoesNotExist);
    }
    // Inside the folder, `..` is fine.
    expect(engine().render('partials/../pages/app-only.html', { who: 'z' }).trim()).toBe('app only: z');
  });
});

describe('partials and layouts', () => {
  const links = [{ href: '/a', label: 'A' }, { href: '/b', label: 'B' }];

  it('renders a page inside its layout, with the layout including a partial by its file name', () => {
    const html = engine().render('pages/plain-layout.html', { links });
    expect(squash(html)).toBe(
      '<!doctype html> <title>Untitled</title> <nav><a href="/a">A</a><a href="/b">B</a></nav> ' +
        '<main><p>just the body</p></main> <footer>default footer</footer>',
    );
  });

  it('fills the layout\'s named blocks from inline partials, keeping defaults for the rest', () => {
    const html = squash(engine().render('pages/home.html', { site: 'Example', user: { name: 'Ada' }, links: [] }));
    expect(html).toContain('<title>Home of Example</title>');
    expect(html).toContain('<main> <h1>Welcome, Ada</h1> </main>');
    expect(html).toContain('<footer>default footer</footer>');
    expect(html).not.toContain('Untitled');
  });

  it('resolves layouts and partials through the same folders: an app template uses the project layout', () => {
    const html = squash(
      engine().render('blog/post.html', { post: { title: 'Hello', author: 'Grace' }, links: [{ href: '/', label: 'Home' }] }),
    );
    expect(html).toContain('<title>Hello</title>');
    expect(html).toContain('<article>Hello</article>');
    expect(html).toContain('<p class="byline">by Grace</p>');
    expect(html).toContain('<footer>blog footer</footer>');
    // partials/nav.html is in both folders; the project's comes first.
    expect(html).toContain('<nav><a href="/">Home</a></nav>');
    expect(html).not.toContain('app nav');
  });

  it('lets a project template include a partial that only an app holds, with hash arguments', () => {
    expect(engine().render('pages/uses-app-partial.html', {}).trim()).toBe('<p class="byline">by Ada</p>');
  });

  it('reports a missing partial as TemplateDoesNotExist naming the template that asked for it', () => {
    const error = thrown(() => engine().render('pages/missing-partial.html', {}));
    expect(error).toBeInstanceOf(TemplateDoesNotExist);
    expect(error.message).toBe(
      `partials/missing.html (looked in: ${projectDir}, ${appDir}) — in template pages/missing-partial.html`,
    );
  });

  it('names the page, not its layout, when the page\'s block asks for a missing partial', () => {
    const error = thrown(() => engine().render('pages/missing-partial-in-block.html', { links: [] }));
    expect(error).toBeInstanceOf(TemplateDoesNotExist);
    expect((error as TemplateDoesNotExist).templateName).toBe('partials/gone.html');
    expect((error as TemplateDoesNotExist).template).toBe('pages/missing-partial-in-block.html');
    expect(error.message).toContain(
      'in template pages/missing-partial-in-block.html (via pages/missing-partial-in-block.html → layouts/base.html)',
    );
  });
});

describe('autoescaping and variables', () => {
  it('escapes HTML from the context in {{x}}, in text and attributes, and not in {{{x}}}', () => {
    const html = engine().render('pages/escape.html', { html: '<script>alert("x")</script> & \'y\'' });
    const [escaped, raw, attribute] = html.trim().split('\n');
    expect(escaped).toBe('<p>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#x27;y&#x27;</p>');
    expect(raw).toBe('<p><script>alert("x")</script> & \'y\'</p>');
    expect(attribute).toBe('<a title="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#x27;y&#x27;">x</a>');
  });

  it('renders a missing variable, or a missing path through one, as empty, as Django does', () => {
    expect(engine().render('pages/missing-var.html', {}).trim()).toBe('[][][no]');
    expect(engine().render('pages/missing-var.html', { user: {} }).trim()).toBe('[][][no]');
  });

  it('reads getters of class instances (computed fields) but not their methods', () => {
    class User {
      constructor(private readonly first: string, private readonly last: string) {}
      get displayName(): string {
        return `${this.first} ${this.last}`;
      }
      secret(): string {
        return 'called';
      }
    }
    expect(engine().render('pages/getter.html', { user: new User('Ada', 'Lovelace') }).trim()).toBe('Ada Lovelace|');
  });
});

describe('syntax errors', () => {
  it('names the template, the file and the line', () => {
    const error = thrown(() => engine().render('pages/bad-syntax.html', {}));
    expect(error).toBeInstanceOf(TemplateSyntaxError);
    expect(error.message).toMatch(/^in template pages\/bad-syntax\.html, line \d+:\n/);
    expect((error as TemplateSyntaxError).line).toBe(Number(/Parse error on line (\d+)/.exec(error.message)?.[1]));
    expect(error.message).toContain(`${projectDir}/pages/bad-syntax.html: Parse error on line`);
  });

  it('in a partial, names the partial and the page that includes it', () => {
    const error = thrown(() => engine().render('pages/includes-bad.html', {}));
    expect(error).toBeInstanceOf(TemplateSyntaxError);
    expect(error.message).toBe(
      `${projectDir}/partials/bad.html: each doesn't match with - 1:3` +
        ' — in template partials/bad.html, line 1 (via pages/includes-bad.html → partials/bad.html)',
    );
  });

  it('is a TemplateError, as every engine error is', () => {
    expect(thrown(() => engine().render('pages/bad-syntax.html', {}))).toBeInstanceOf(TemplateError);
    expect(thrown(() => engine().render('pages/nope.html', {}))).toBeInstanceOf(TemplateError);
  });
});
