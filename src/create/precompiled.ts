/**
 * The project template's `.hbs` files, precompiled: by the SHA-1 of a
 * template's source, handlebars' template specification for it, compiled
 * with TEMPLATE_COMPILE_OPTIONS. Empty here; the build (scripts/build.js)
 * replaces this module's compiled JavaScript with one that holds every
 * `.hbs` file under templates/ (after django-admin, which ships its
 * templates ready to copy). Why: compiling them at every run was about a
 * sixth of `create-tsgate-project --yes --no-install`'s CPU, and the
 * compiler (with source-map) need not be loaded at all. A source the build
 * did not see (an edited template, CREATE_TSGATE_TEMPLATE's folder) is
 * compiled as before (render.ts).
 */
import type Handlebars from 'handlebars';

/** handlebars' own type for it, which its typings do not export by name. */
export type TemplateSpecification = Parameters<typeof Handlebars.template>[0];

/** How every generator template is compiled, at build time and at run time alike. */
export const TEMPLATE_COMPILE_OPTIONS = { noEscape: true, strict: true } as const;

export const PRECOMPILED: Readonly<Record<string, TemplateSpecification>> = {};
