/**
 * `models.E001`: a problem in an installed app's models (a foreign key to a
 * table no app declares, two models with one table, a default of the wrong
 * type…), the same ones makemigrations refuses to write a migration for.
 */
import { installedApps } from '../apps/index.js';
import type { Settings } from '../conf/types.js';
import { declaredModels } from '../db/migrations/autodetector/declared.js';
import { error, type CheckMessage } from './messages.js';

export async function checkModels(settings: Readonly<Settings>): Promise<CheckMessage[]> {
  const { problems } = await declaredModels(installedApps(settings).all);
  return problems.map((problem) => {
    const split = problem.indexOf(': ');
    return error('models.E001', problem.slice(split + 2), 'Fix the model; makemigrations writes nothing until it is fixed.', problem.slice(0, split));
  });
}
