/**
 * Template errors, Django's names. Each names the template at fault and, when
 * it was reached through others (a page extending a layout, a layout including
 * a partial), the chain of templates being rendered, outermost first.
 */

export interface TemplateErrorOptions {
  /** The template at fault, e.g. `pages/welcome.html`. */
  template?: string | undefined;
  /** The line in that template, when known. */
  line?: number | undefined;
  /** The templates being rendered when it failed, outermost first. */
  trail?: readonly string[];
  cause?: unknown;
}

export class TemplateError extends Error {
  override name = 'TemplateError';
  /** What went wrong, without the location. */
  readonly detail: string;
  template: string | undefined;
  line: number | undefined;
  /** The templates being rendered when it failed, outermost first. */
  readonly trail: string[];

  constructor(detail: string, options: TemplateErrorOptions = {}) {
    super(detail, options.cause === undefined ? undefined : { cause: options.cause });
    this.detail = detail;
    this.template = options.template;
    this.line = options.line;
    this.trail = [...(options.trail ?? [])];
    this.message = this.compose();
  }

  /**
   * Records that the error passed through `template` on its way out: it
   * becomes the outermost entry of the trail. Called by the engine.
   */
  passedThrough(template: string): this {
    this.trail.unshift(template);
    this.recompose();
    return this;
  }

  /** Rewrites the message, and the stack's first line with it. */
  protected recompose(): void {
    const header = `${this.name}: ${this.message}`;
    const stack = this.stack; // V8 formats it on first read: read it before the message changes.
    this.message = this.compose();
    if (typeof stack === 'string' && stack.startsWith(header)) {
      this.stack = `${this.name}: ${this.message}${stack.slice(header.length)}`;
    }
  }

  /** The message: the detail, then where (template, line, and the trail when it says more). */
  protected compose(): string {
    const template = this.template ?? this.trail.at(-1);
    if (template === undefined) return this.detail;
    let where = `in template ${template}`;
    if (this.line !== undefined) where += `, line ${this.line}`;
    if (this.trail.length > 1 || (this.trail.length === 1 && this.trail[0] !== template)) {
      where += ` (via ${this.trail.join(' → ')})`;
    }
    return this.detail.includes('\n') ? `${where}:\n${this.detail}` : `${this.detail} — ${where}`;
  }
}

/** No folder holds the template; the message lists the folders tried, in order. */
export class TemplateDoesNotExist extends TemplateError {
  override name = 'TemplateDoesNotExist';

  constructor(
    /** The name asked for, e.g. `pages/missing.html`. */
    readonly templateName: string,
    /** The folders looked in, in order. */
    readonly tried: readonly string[],
    options: TemplateErrorOptions = {},
  ) {
    const where = tried.length > 0 ? tried.join(', ') : 'no template folders are configured';
    super(`${templateName} (looked in: ${where})`, options);
  }

  /** Sets the template that asked for the missing one, when the engine finds it. */
  referencedBy(template: string): void {
    this.template = template;
    this.recompose();
  }
}

/** The template file is not valid handlebars; the message has the file, the line and a pointer. */
export class TemplateSyntaxError extends TemplateError {
  override name = 'TemplateSyntaxError';
}
