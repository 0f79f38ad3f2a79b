/**
 * The built-in helpers: {{static}} (STATIC_URL or an injected, possibly
 * throwing, resolver), {{url}} (an injected reverse(), hash arguments as
 * params), {{csrf_token}} and {{csrf_input}} (from the render context), and
 * project helpers; a throwing helper names the template and line.
 */
import { describe, expect, it, vi } from 'vitest';
import { TemplateError, type Reverse } from '../../src/runtime/templates/index.js';
import { engine, thrown } from './fixtures.js';

describe('{{static}}', () => {
  it('defaults to /static/ + the name', () => {
    expect(engine().render('pages/static.html', {}).trim()).toBe('<link rel="stylesheet" href="/static/css/site.css">');
  });

  it('percent-encodes the name, keeping its slashes, as Django does', () => {
    expect(engine().render('pages/static-odd-name.html', {}).trim()).toBe('<img src="/static/img/a%20b%3Fc%23d.png">');
  });

  it('takes STATIC_URL as a string, with or without its trailing slash', () => {
    expect(engine({ staticUrl: 'https://cdn.example.com/assets/' }).render('pages/static.html', {})).toContain(
      'href="https://cdn.example.com/assets/css/site.css"',
    );
    expect(engine({ staticUrl: '/s' }).render('pages/static.html', {})).toContain('href="/s/css/site.css"');
  });

  it('asks a staticUrl function for each name, and escapes what it returns', () => {
    const staticUrl = vi.fn((name: string) => `/static/${name.replace('.css', '.3f2a9c1b7d0e.css')}?v="1"&x`);
    const html = engine({ staticUrl }).render('pages/static.html', {});
    expect(staticUrl).toHaveBeenCalledWith('css/site.css');
    expect(html).toContain('href="/static/css/site.3f2a9c1b7d0e.css?v&#x3D;&quot;1&quot;&amp;x"');
  });

  it('reports a staticUrl that throws (a name missing from the manifest) with the template and line', () => {
    const staticUrl = (name: string): string => {
      throw new Error(`Missing staticfiles manifest entry for '${name}'`);
    };
    const error = thrown(() => engine({ staticUrl }).render('pages/static-missing.html', { links: [] }));
    expect(error).toBeInstanceOf(TemplateError);
    expect(error.message).toBe(
      "{{static 'img/missing.png'}} failed: Missing staticfiles manifest entry for 'img/missing.png'" +
        ' — in template pages/static-missing.html, line 3 (via pages/static-missing.html → layouts/base.html)',
    );
    expect((error as TemplateError).template).toBe('pages/static-missing.html');
    expect((error as TemplateError).line).toBe(3);
    expect((error.cause as Error).message).toBe("Missing staticfiles manifest entry for 'img/missing.png'");
    // What an uncaught error prints: the stack, whose first line is the whole message.
    expect(error.stack?.split('\n')[0]).toBe(`TemplateError: ${error.message}`);
  });

  it('in a partial, names the partial and the page that included it', () => {
    const staticUrl = (name: string): string => {
      throw new Error(`no file ${name}`);
    };
    const error = thrown(() => engine({ staticUrl }).render('pages/static-missing-partial.html', {}));
    expect(error.message).toBe(
      "{{static 'css/missing.css'}} failed: no file css/missing.css" +
        ' — in template partials/static-missing.html, line 1 (via pages/static-missing-partial.html → partials/static-missing.html)',
    );
  });
});

describe('{{url}}', () => {
  it('calls reverse with the route name and the hash arguments as params, and escapes the URL', () => {
    const reverse = vi.fn<Reverse>((name, params) => `/${name}/${params.year}/${params.slug}/?a=1&b=2`);
    const html = engine({ reverse }).render('pages/url.html', { post: { slug: 'hello-world' } });
    expect(reverse).toHaveBeenCalledTimes(1);
    expect(reverse).toHaveBeenCalledWith('article', { year: 2024, slug: 'hello-world' });
    expect(html.trim()).toBe('<a href="/article/2024/hello-world/?a&#x3D;1&amp;b&#x3D;2">read</a>');
  });

  it('rejects a param that is missing from the context instead of passing undefined on', () => {
    const reverse = vi.fn<Reverse>(() => '/x/');
    const error = thrown(() => engine({ reverse }).render('pages/url.html', {}));
    expect(reverse).not.toHaveBeenCalled();
    expect(error.message).toBe(
      "{{url 'article' slug=undefined year=2024}} failed: parameter slug is undefined, not a string or number — in template pages/url.html, line 1",
    );
  });

  it('asks for params by name, not by position', () => {
    const error = thrown(() => engine({ reverse: () => '/x/' }).render('pages/url-positional.html', {}));
    expect(error.message).toContain("route parameters go by name, e.g. {{url 'article' id=3}}");
  });

  it('says that no reverse function was given', () => {
    const error = thrown(() => engine().render('pages/url.html', { post: { slug: 's' } }));
    expect(error.message).toContain('the template engine was created without a reverse function');
    expect(error.message).toContain('in template pages/url.html');
  });

  it('passes reverse\'s own error on, naming the template', () => {
    const reverse: Reverse = (name) => {
      throw Object.assign(new Error(`no route is named '${name}'`), { name: 'NoReverseMatch' });
    };
    const error = thrown(() => engine({ reverse }).render('pages/url.html', { post: { slug: 's' } }));
    expect(error.message).toBe(
      "{{url 'article' slug='s' year=2024}} failed: NoReverseMatch: no route is named 'article' — in template pages/url.html, line 1",
    );
  });
});

describe('{{csrf_token}} and {{csrf_input}}', () => {
  it('render the token from the render context, escaped, also inside a block that changes the context', () => {
    const token = 'abc"><script>x</script>&';
    const escaped = 'abc&quot;&gt;&lt;script&gt;x&lt;/script&gt;&amp;';
    const [form, span, inner] = engine().render('pages/form.html', { csrfToken: token, user: { name: 'u' } }).trim().split('\n');
    expect(form).toBe(`<form method="post"><input type="hidden" name="csrfmiddlewaretoken" value="${escaped}"></form>`);
    expect(span).toBe(`<span data-token="${escaped}"></span>`);
    expect(inner).toBe(`<i>${escaped}</i>`);
  });

  it('take a function as a lazy token, called when used', () => {
    const csrfToken = vi.fn(() => 'lazy-token');
    const html = engine().render('pages/form.html', { csrfToken });
    expect(csrfToken).toHaveBeenCalled();
    expect(html).toContain('value="lazy-token"');
  });

  it('render nothing when the context has no token, as Django does', () => {
    expect(engine().render('pages/form.html', {}).trim().split('\n')).toEqual([
      '<form method="post"></form>',
      '<span data-token=""></span>',
    ]);
  });
});

describe('project helpers', () => {
  it('are available in templates and partials, and replace a built-in of the same name', () => {
    const staticHelper = (name: unknown): string => `/assets/${String(name)}`;
    const html = engine({ helpers: { static: staticHelper } }).render('pages/static.html', {});
    expect(html.trim()).toBe('<link rel="stylesheet" href="/assets/css/site.css">');
  });
});
