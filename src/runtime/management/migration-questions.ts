/**
 * makemigrations' questions, after Django's InteractiveMigrationQuestioner:
 * on a terminal it asks whether a likely rename is one and for a one-off
 * default; without one (or with --noinput) a rename is taken as a removal
 * and an addition, said on stderr, and a missing default stops the command
 * with what to change.
 */
import type { Questioner } from '../db/migrations/autodetector/detect.js';
import type { FieldSpec, JsonValue } from '../db/models/fields.js';
import { CommandError } from './base.js';
import { ask } from './prompt.js';

/** A yes/no question on the terminal; no answer is no. */
export async function yes(question: string): Promise<boolean> {
  for (;;) {
    const answer = (await ask(`${question} [y/N] `)).toLowerCase();
    if (answer === '' || answer === 'n' || answer === 'no') return false;
    if (answer === 'y' || answer === 'yes') return true;
    process.stdout.write('Please answer y or n.\n');
  }
}

function parseDefault(text: string, spec: FieldSpec): JsonValue {
  if (text === 'now' && (spec.kind === 'timestamp' || spec.kind === 'date')) return 'now';
  try {
    return JSON.parse(text) as JsonValue;
  } catch {
    // Bare text for a text field is the friendlier answer: Ada, not "Ada".
    if (spec.kind === 'varchar' || spec.kind === 'text' || spec.kind === 'uuid') return text;
    throw new Error(`not a value: give JSON, e.g. 0, "text", true`);
  }
}

export function migrationQuestioner(interactive: boolean): Questioner {
  const noted = (text: string) => process.stderr.write(`${text}\n`);
  return {
    async renameModel(from, to) {
      if (!interactive) {
        noted(`No input: ${from.table} → ${to.table} is taken as one model deleted and one created, not a rename (run makemigrations on a terminal to say it is one).`);
        return false;
      }
      return yes(`Did you rename the ${from.table} model to ${to.table}?`);
    },
    async renameField(table, from, to) {
      if (!interactive) {
        noted(`No input: ${table}.${from} → ${to} is taken as a field removed and one added, not a rename (run makemigrations on a terminal to say it is one).`);
        return false;
      }
      return yes(`Did you rename ${table}.${from} to ${to}?`);
    },
    async oneOffDefault(table, name, spec) {
      const fix = `give ${name} a default (e.g. default: ${spec.kind === 'boolean' ? 'false' : spec.kind === 'varchar' || spec.kind === 'text' ? "''" : spec.kind === 'timestamp' ? "'now'" : '0'}) or null: true in the model`;
      if (!interactive) {
        throw new CommandError(`It is impossible to add the non-nullable field ${name} to ${table} without a default: the rows already there need a value. Either ${fix}, or run makemigrations on a terminal to give a one-off value for those rows.`);
      }
      process.stdout.write(`It is impossible to add a non-nullable field '${name}' to ${table} without a default: the rows already there need a value.\nType a one-off value for them (JSON: 0, "text", true; 'now' for a date), or nothing to stop and ${fix}.\n`);
      for (;;) {
        const answer = await ask('>>> ');
        if (answer === '') throw new CommandError(`Stopped: ${fix}, then run makemigrations again.`);
        try {
          return parseDefault(answer, spec);
        } catch (error) {
          process.stdout.write(`${error instanceof Error ? error.message : String(error)}\n`);
        }
      }
    },
  };
}
