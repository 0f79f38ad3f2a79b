/**
 * The project template engine: handlebars files looked up by relative name
 * in an ordered list of folders (the project's `templates/`, then each
 * installed app's), Django's DIRS + APP_DIRS. Any template is also a partial
 * under its name (`{{> partials/nav.html}}`) and so a layout
 * (`{{#> layouts/base.html}} … {{/layouts/base.html}}` around
 * `{{> @partial-block}}`); inline partials (`{{#*inline "title"}}`) fill a
 * layout's named blocks (`{{#> title}}default{{/title}}`).
 *
 * Templates are compiled once; with `debug`, a template whose file changed
 * is recompiled on its next render, so the development server shows edits
 * without a restart. Each engine has its own handlebars environment.
 *
 * Names no folder holds fall back to the built-in form templates
 * (`forms/field.html`, …; templates/forms.ts), so a project overrides one
 * by putting a file of that name in its `templates/forms/`.
 */
import type Handlebars from 'handlebars';
import type { HelperDelegate } from 'handlebars';
import { resolve } from 'node:path';
import { TemplateDoesNotExist, TemplateError, TemplateSyntaxError } from './errors.js';
import handlebars from './handlebars.js';
import { FORM_TEMPLATES, formHelpers } from './forms.js';
import { cacheHelper, COLLECTOR, FragmentCollector, fillFragments, type FragmentCache } from './fragments.js';
import { asHelper, builtinHelpers, guardHelper, type Reverse, type StaticUrl } from './helpers.js';
import { findTemplate, readTemplate, type FoundTemplate } from './loader.js';

export interface TemplateEngineOptions {
  /** Folders to look in, in order; the first that holds a name wins. */
  dirs: readonly string[];
  /** Recompile a template when its file changes (development). */
  debug: boolean;
  /** Project helpers, by name; one named like a built-in replaces it. */
  helpers?: Readonly<Record<string, HelperDelegate>>;
  /**
   * `{{static 'css/site.css'}}`: STATIC_URL (the URL is it plus the name), or
   * a function from name to URL that may throw for an unknown name.
   * Default `'/static/'`.
   */
  staticUrl?: StaticUrl;
  /** `{{url 'name' id=3}}` calls `reverse('name', { id: 3 })`; without it, `{{url}}` is an error. */
  reverse?: Reverse;
  /** Where `{{#cache 600 "name"}}` blocks are kept (renderAsync); without it they are rendered each time. */
  fragmentCache?: FragmentCache | (() => FragmentCache);
}

/**
 * The render context: any object. `csrfToken` (a string, or a function giving
 * one) feeds `{{csrf_token}}` and `{{csrf_input}}`.
 */
export type TemplateContext = object;

export interface TemplateEngine {
  /** The folders looked in, absolute, in order. */
  readonly dirs: readonly string[];
  /**
   * Renders the template called `name` (e.g. `pages/welcome.html`) with
   * `context`. Throws TemplateDoesNotExist, TemplateSyntaxError, or
   * TemplateError (a helper or partial failed), each naming the template.
   */
  render(name: string, context?: TemplateContext): string;
  /**
   * As render(), with `{{#cache}}` fragments looked up in (and stored into)
   * the engine's fragment cache: a string at once when the template left
   * none to look up, else a promise of it.
   */
  renderCached(name: string, context?: TemplateContext): string | Promise<string>;
  /** renderCached(), always as a promise. */
  renderAsync(name: string, context?: TemplateContext): Promise<string>;
}

type Compiled = Handlebars.TemplateDelegate;

interface LoadedTemplate {
  name: string;
  path: string;
  stamp: string;
  /** The names of the partials it refers to by a fixed name. */
  partialNames: readonly string[];
  /** The compiled template, reporting errors as TemplateErrors that name it. */
  run: Compiled;
}

interface Prepared {
  template: LoadedTemplate;
  /** Every file partial reachable from the template, by name. */
  partials: Record<string, Compiled>;
}

/** The stamp of a built-in template: it never changes. */
const BUILTIN = 'builtin';

/** A built-in template, as if found in a folder of its own. */
function builtin(name: string): FoundTemplate | undefined {
  return Object.hasOwn(FORM_TEMPLATES, name) ? { path: `<tsgate>/${name}`, stamp: BUILTIN } : undefined;
}

const PARTIAL_NOT_FOUND = /^The partial (.+) could not be found$/;

/** The partial names a template refers to by a fixed name (not `{{> (expr)}}`, not `@partial-block`). */
function partialNamesIn(program: hbs.AST.Program): string[] {
  const names = new Set<string>();
  const visit = (node: hbs.AST.Program | undefined): void => {
    for (const statement of node?.body ?? []) {
      const typed = statement as hbs.AST.Node;
      if (typed.type === 'PartialStatement' || typed.type === 'PartialBlockStatement') {
        const partial = statement as hbs.AST.PartialStatement | hbs.AST.PartialBlockStatement;
        if (partial.name.type !== 'SubExpression') {
          const name = String((partial.name as hbs.AST.PathExpression).original);
          if (!name.startsWith('@')) names.add(name);
        }
        if (typed.type === 'PartialBlockStatement') visit((statement as hbs.AST.PartialBlockStatement).program);
      } else if (typed.type === 'BlockStatement' || typed.type === 'DecoratorBlock') {
        const block = statement as hbs.AST.BlockStatement;
        visit(block.program);
        visit(block.inverse);
      }
    }
  };
  visit(program);
  return [...names];
}

export function createTemplateEngine(options: TemplateEngineOptions): TemplateEngine {
  const dirs = Object.freeze(options.dirs.map((dir) => resolve(dir)));
  const { debug } = options;
  const env = handlebars.create();

  const helpers = {
    ...builtinHelpers(env, { staticUrl: options.staticUrl ?? '/static/', reverse: options.reverse }),
    ...formHelpers(env, (name, context) => render(name, context)),
    cache: cacheHelper,
    ...Object.fromEntries(Object.entries(options.helpers ?? {}).map(([name, helper]) => [name, asHelper(helper)])),
  };
  for (const [name, helper] of Object.entries(helpers)) env.registerHelper(name, guardHelper(name, helper));

  // Getters of class instances (a model's computed fields) read as Django
  // reads attributes. Inherited methods stay off, as handlebars has them (it
  // would call them with the wrong `this`); in debug, handlebars says so once
  // per name on the console, in production they are quietly empty.
  const access = { allowProtoPropertiesByDefault: true, ...(debug ? {} : { allowProtoMethodsByDefault: false }) };

  /** By name; null when no folder holds the name (kept only when not debug). */
  const loaded = new Map<string, LoadedTemplate | null>();
  /** By name, when not debug: the template with its partials, ready to run. */
  const prepared = new Map<string, Prepared>();

  /** Turns anything thrown while `name` ran into a TemplateError carrying the trail. */
  function annotate(error: unknown, template: LoadedTemplate): TemplateError {
    let annotated: TemplateError;
    if (error instanceof TemplateError) {
      annotated = error;
    } else {
      const missing = error instanceof Error ? PARTIAL_NOT_FOUND.exec(error.message) : null;
      annotated = missing
        ? new TemplateDoesNotExist(missing[1] as string, dirs, { cause: error })
        : new TemplateError(error instanceof Error ? error.message : String(error), { template: template.name, cause: error });
    }
    annotated.passedThrough(template.name);
    // A missing partial: name the innermost template that asks for it (a
    // page's block runs inside its layout, so that is not always the one it
    // was thrown in).
    if (annotated instanceof TemplateDoesNotExist && annotated.template === undefined && template.partialNames.includes(annotated.templateName)) {
      annotated.referencedBy(template.name);
    }
    return annotated;
  }

  function compile(name: string, found: FoundTemplate, source: string, via: readonly string[]): LoadedTemplate {
    let partialNames: string[];
    try {
      partialNames = partialNamesIn(env.parse(source));
    } catch (error) {
      const lineNumber = (error as { lineNumber?: unknown }).lineNumber;
      const line = typeof lineNumber === 'number' ? lineNumber : Number(/ on line (\d+)/.exec(String(error))?.[1] ?? Number.NaN);
      throw new TemplateSyntaxError(`${found.path}: ${error instanceof Error ? error.message : String(error)}`, {
        template: name,
        line: Number.isNaN(line) ? undefined : line,
        trail: [...via, name],
        cause: error,
      });
    }
    // srcName puts the template's name into the `loc` helpers receive. A
    // `.txt` template (an email's text, a subject) is not HTML: no escaping.
    const compileOptions: CompileOptions & { srcName: string } = { srcName: name, preventIndent: true, noEscape: name.endsWith('.txt') };
    const compiled = env.compile(source, compileOptions);
    const template: LoadedTemplate = {
      name,
      path: found.path,
      stamp: found.stamp,
      partialNames,
      run: (context, runtimeOptions) => {
        try {
          return compiled(context, runtimeOptions);
        } catch (error) {
          throw annotate(error, template);
        }
      },
    };
    return template;
  }

  /** The template called `name`, compiled; undefined when no folder holds it. */
  function load(name: string, via: readonly string[]): LoadedTemplate | undefined {
    const cached = loaded.get(name);
    if (!debug && cached !== undefined) return cached ?? undefined;
    const found = findTemplate(dirs, name) ?? builtin(name);
    if (found === undefined) {
      if (debug) loaded.delete(name);
      else loaded.set(name, null);
      return undefined;
    }
    if (cached && cached.path === found.path && cached.stamp === found.stamp) return cached;
    const template = compile(name, found, found.stamp === BUILTIN ? (FORM_TEMPLATES[name] as string) : readTemplate(found.path), via);
    loaded.set(name, template);
    return template;
  }

  /**
   * The template and every file partial it can reach. A partial name no
   * folder holds is skipped here: it may be an inline partial or a block
   * with a default; if it is still missing when rendered, that is an error.
   */
  function prepare(name: string): Prepared {
    const template = load(name, []);
    if (template === undefined) throw new TemplateDoesNotExist(name, dirs);
    const partials: Record<string, Compiled> = Object.create(null) as Record<string, Compiled>;
    const queue: { template: LoadedTemplate; via: readonly string[] }[] = [{ template, via: [name] }];
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) {
      for (const partialName of item.template.partialNames) {
        if (partialName in partials) continue;
        const partial = load(partialName, item.via);
        if (partial === undefined) continue;
        partials[partialName] = partial.run;
        queue.push({ template: partial, via: [...item.via, partialName] });
      }
    }
    return { template, partials };
  }

  function run(name: string, context: TemplateContext, data?: Record<string, unknown>): string {
    let ready = debug ? undefined : prepared.get(name);
    if (ready === undefined) {
      ready = prepare(name);
      if (!debug) prepared.set(name, ready);
    }
    return ready.template.run(context, { partials: ready.partials, ...access, ...(data ? { data } : {}) });
  }

  function render(name: string, context: TemplateContext = {}): string {
    return run(name, context);
  }

  function renderCached(name: string, context: TemplateContext = {}): string | Promise<string> {
    const fragments = options.fragmentCache;
    if (fragments === undefined) return run(name, context);
    const collector = new FragmentCollector();
    const text = run(name, context, { [COLLECTOR]: collector });
    if (collector.pending.size === 0) return text;
    return fillFragments(text, collector, typeof fragments === 'function' ? fragments() : fragments).catch((error: unknown) => {
      throw error instanceof TemplateError ? error : new TemplateError(`filling the {{#cache}} fragments of ${name} failed: ${error instanceof Error ? error.message : String(error)}`, { template: name, cause: error });
    });
  }

  return { dirs, render, renderCached, renderAsync: async (name, context) => renderCached(name, context) };
}
