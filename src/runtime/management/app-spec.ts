/**
 * Loads an application from a gunicorn-style spec: `module:name`,
 * `module:factory()`, where module is dotted (`mysite.wsgi`) or a path.
 */
import { importModule } from '../conf/modules.js';
import type { Application } from '../tsgi/types.js';
import { CommandError } from './base.js';

const SPEC = /^([^:]+):([A-Za-z_$][\w$]*)(\(\))?$/;

export async function loadApplication(spec: string): Promise<Application> {
  const match = SPEC.exec(spec);
  if (!match) {
    throw new CommandError(`application spec ${JSON.stringify(spec)} must be MODULE:NAME or MODULE:FACTORY(), e.g. mysite.wsgi:application`, 2);
  }
  const [, moduleName = '', name = '', call] = match;
  const module = await importModule(moduleName);
  let app: unknown = module[name];
  if (app === undefined) throw new CommandError(`module ${moduleName} has no export named ${name}`);
  if (call) {
    if (typeof app !== 'function') throw new CommandError(`${moduleName}:${name} is not a function, so it cannot be called as a factory`);
    app = await (app as () => unknown)();
  }
  if (typeof app !== 'function') throw new CommandError(`${spec} is not an application: expected a function (environ, startResponse)`);
  return app as Application;
}
