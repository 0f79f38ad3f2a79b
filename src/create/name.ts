import { builtinModules } from 'node:module';
import { CreateError } from './errors.js';

/**
 * Names a project may not take: ones that clash with tsgate itself, with
 * folders every project has, or with Node's own modules.
 */
const RESERVED = new Set([
  'tsgate',
  'test',
  'tests',
  'node_modules',
  'dist',
  'vendor',
  'static',
  'staticfiles',
  'templates',
  'deploy',
  'manage',
  'pages',
  'src',
  ...builtinModules.filter((name) => !name.includes('/')),
]);

/** A name that is at once a package name, a folder name and a dotted module name. */
const IDENTIFIER = /^[a-z][a-z0-9_]*$/;

/** Returns the name, or throws a usage error saying what is wrong and what would work. */
export function validateProjectName(name: string): string {
  if (name === '') throw new CreateError('the project name is empty: give one, e.g. create-tsgate-project mysite', 2);
  if (!IDENTIFIER.test(name)) {
    const suggestion = name.toLowerCase().replace(/[^a-z0-9_]+/g, '_').replace(/^[^a-z]+/, '');
    throw new CreateError(
      `'${name}' is not a valid project name: use lowercase letters, digits and underscores, starting with a letter` +
        (suggestion && suggestion !== name ? ` (e.g. '${suggestion}')` : ''),
      2,
    );
  }
  if (name.length > 64) throw new CreateError(`'${name}' is too long for a project name: use at most 64 characters`, 2);
  if (RESERVED.has(name)) {
    throw new CreateError(`'${name}' is reserved (it clashes with tsgate, a project folder or a Node module): choose another name, e.g. '${name}_site'`, 2);
  }
  return name;
}
