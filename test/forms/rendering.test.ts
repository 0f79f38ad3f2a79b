/**
 * Forms in templates: `{{form}}` and `{{field form.x}}` render the built-in
 * partials (labels, help, errors wired to their input with aria-invalid
 * and aria-describedby, values kept on redisplay but never a password's,
 * the CSRF token), everything escaped; a project's templates/forms/
 * replaces them.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as v from 'valibot';
import { afterAll, describe, expect, it } from 'vitest';
import { defineForm } from '../../src/runtime/forms/index.js';
import { createTemplateEngine, TemplateError } from '../../src/runtime/templates/index.js';
import { tempDir } from '../helpers/process.js';

const root = tempDir('tsgate-forms-templates-');
const project = join(root, 'project');
const overrides = join(root, 'overrides');
afterAll(() => rmSync(root, { recursive: true, force: true }));

function write(dir: string, name: string, text: string): void {
  mkdirSync(dirname(join(dir, name)), { recursive: true });
  writeFileSync(join(dir, name), text);
}

write(project, 'page.html', '<form method="post" novalidate>{{form}}<button>Send</button></form>');
write(project, 'one.html', '{{field form.name}}');
write(project, 'named.html', '{{form signup}}');
write(project, 'layout.html', '<main>{{> @partial-block}}</main>');
write(project, 'in-layout.html', '{{#> layout.html}}<form>{{form}}</form>{{/layout.html}}');
write(project, 'no-form.html', '{{form}}');
write(project, 'bad-field.html', '{{field form}}');
write(overrides, 'forms/field.html', '<p data-override>{{field.label}}: {{#each field.errors}}[{{this}}]{{/each}}{{> forms/widgets/input.html}}</p>');

const engine = createTemplateEngine({ dirs: [project], debug: false });
const TOKEN = 'k'.repeat(43);

const Signup = defineForm({
  fields: {
    name: { schema: v.pipe(v.string(), v.trim(), v.nonEmpty('Please enter your name.'), v.maxLength(100, 'Use at most 100 characters.')), label: 'Your name', help: 'As you like to be called.', attrs: { maxlength: 100, autocomplete: 'name', autofocus: true, spellcheck: false } },
    password: { widget: 'password', schema: v.pipe(v.string(), v.minLength(8, 'Use at least 8 characters.')) },
    bio: { widget: 'textarea', schema: v.string() },
    plan: { choices: [['', 'Pick one'], ['free', 'Free'], ['pro', 'Pro <paid>']], schema: v.picklist(['free', 'pro'], 'Pick a plan.') },
    news: { widget: 'checkbox', label: 'Send me news' },
    avatar: { widget: 'file', accept: ['image/*'] },
    next: { widget: 'hidden', schema: v.pipe(v.string(), v.startsWith('/', 'A path on this site.')) },
  },
  clean(data, form) {
    if (data.name === 'root') form.addError(null, 'The name <root> is reserved & taken.');
  },
});

/** The elements of `html` that match a tag and attribute, as text. */
function tag(html: string, pattern: RegExp): string {
  const found = pattern.exec(html);
  if (!found) throw new Error(`${pattern} not in:\n${html}`);
  return found[0];
}

describe('{{form}}', () => {
  it('renders every field with its label, the hidden ones and the CSRF token', async () => {
    const html = engine.render('page.html', { form: Signup.unbound({ initial: { next: '/home' } }), csrfToken: TOKEN });
    expect(html).toContain('<label for="id_name">Your name</label>');
    expect(tag(html, /<input type="text"[^>]*>/)).toBe(
      '<input type="text" name="name" id="id_name" required aria-describedby="id_name_help" maxlength="100" autocomplete="name" autofocus>',
    );
    expect(html).toContain('<p class="helptext" id="id_name_help">As you like to be called.</p>');
    expect(tag(html, /<input type="password"[^>]*>/)).toBe('<input type="password" name="password" id="id_password" required>');
    expect(html).toContain('<textarea name="bio" id="id_bio">\n</textarea>');
    expect(html).toContain('<option value="pro">Pro &lt;paid&gt;</option>');
    expect(html).toContain('<input type="checkbox" name="news" id="id_news"> <label for="id_news">Send me news</label>');
    expect(tag(html, /<input type="file"[^>]*>/)).toBe('<input type="file" name="avatar" id="id_avatar" accept="image/*">');
    expect(tag(html, /<input type="hidden" name="next"[^>]*>/)).toBe('<input type="hidden" name="next" id="id_next" required value="/home">');
    expect(html).toContain(`<input type="hidden" name="csrfmiddlewaretoken" value="${TOKEN}">`);
    expect(html).not.toContain('errorlist');
    expect(html).not.toContain('aria-invalid');
  });

  it('takes the CSRF token as the lazy function the middleware gives', async () => {
    let asked = 0;
    const html = engine.render('page.html', { form: Signup.unbound(), csrfToken: () => (asked++, TOKEN) });
    expect(asked).toBe(1);
    expect(html).toContain(`value="${TOKEN}"`);
  });

  it('redisplays what was sent with each error beside its field, marked invalid and described by it', async () => {
    const form = await Signup.bind(new URLSearchParams({ name: '   ', password: 'hunter2', bio: '\nfirst line kept', plan: 'pro', news: 'on', next: 'https://evil.example/' }));
    const html = engine.render('page.html', { form, csrfToken: TOKEN });
    const input = tag(html, /<input type="text"[^>]*>/);
    expect(input).toContain('aria-invalid="true"');
    expect(input).toContain('aria-describedby="id_name_help id_name_errors"');
    expect(input).toContain('value="   "');
    expect(html).toContain('<ul class="errorlist" id="id_name_errors"><li>Please enter your name.</li></ul>');
    expect(html).toMatch(/<div class="field field-text field-invalid">/);
    // The password is never sent back, even when it is what is wrong.
    const password = tag(html, /<input type="password"[^>]*>/);
    expect(password).not.toContain('value=');
    expect(password).toContain('aria-describedby="id_password_errors"');
    expect(html).not.toContain('hunter2');
    expect(html).toContain('<textarea name="bio" id="id_bio">\n\nfirst line kept</textarea>');
    expect(html).toContain('<option value="pro" selected>Pro &lt;paid&gt;</option>');
    expect(html).toContain('<input type="checkbox" name="news" id="id_news" checked>');
    // A hidden field's error goes above the fields, where it can be seen.
    expect(html).toContain('<ul class="errorlist nonfield" role="alert"><li>(Hidden field next) A path on this site.</li></ul>');
  });

  it('escapes what was sent and every error message', async () => {
    const sent = '"><script>alert(1)</script>';
    const form = await Signup.bind(new URLSearchParams({ name: sent, password: 'long enough', plan: '<img src=x onerror=alert(1)>', next: '/' }));
    form.addError('name', 'Not <b>this</b> one.');
    const html = engine.render('page.html', { form, csrfToken: TOKEN });
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('<img');
    expect(html).not.toContain('<b>');
    expect(html).toContain('value="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"');
    expect(html).toContain('<li>Not &lt;b&gt;this&lt;/b&gt; one.</li>');
    expect(html).toContain('<li>Select a valid choice; &quot;&lt;img src&#x3D;x onerror&#x3D;alert(1)&gt;&quot; is not one of the choices.</li>');
    const reserved = await Signup.bind(new URLSearchParams({ name: 'root', password: 'long enough', plan: 'free', next: '/' }));
    expect(engine.render('page.html', { form: reserved })).toContain('<li>The name &lt;root&gt; is reserved &amp; taken.</li>');
  });

  it('finds the form inside a layout block, and renders a form named explicitly', () => {
    expect(engine.render('in-layout.html', { form: Signup.unbound() })).toMatch(/^<main><form><div class="field field-text">/);
    expect(engine.render('named.html', { signup: Signup.unbound() })).toContain('id="id_name"');
  });

  it('says what is wrong when there is no form, naming the template', () => {
    expect(() => engine.render('no-form.html', {})).toThrow(TemplateError);
    expect(() => engine.render('no-form.html', {})).toThrow(/\{\{form\}\} failed: there is no form in the context: render\(request, template, \{ form \}\).*in template no-form\.html, line 1/);
    expect(() => engine.render('bad-field.html', { form: Signup.unbound() })).toThrow(/give one field of a form, e\.g\. \{\{field form\.title\}\}/);
  });
});

describe('{{field form.x}}', () => {
  it('renders one field where the page wants it', async () => {
    const html = engine.render('one.html', { form: await Signup.bind({ name: '' }) });
    expect(html).toMatch(/^<div class="field field-text field-invalid">\n<label for="id_name">Your name<\/label>\n<input type="text" name="name"/);
    expect(html).toContain('<li>Please enter your name.</li>');
    expect(html).not.toContain('csrfmiddlewaretoken');
  });

  it('is replaced by a project template of the same name, which can still use the built-in widgets', async () => {
    const overridden = createTemplateEngine({ dirs: [overrides, project], debug: true });
    const html = overridden.render('page.html', { form: await Signup.bind({ name: '<x>' }), csrfToken: TOKEN });
    expect(html).toContain('<p data-override>Your name: <input type="text" name="name"');
    expect(html).toContain('<p data-override>Password: [Use at least 8 characters.]<input type="password"');
    expect(html).toContain('value="&lt;x&gt;"');
  });
});
