/**
 * `manage check [--deploy] [--fail-level LEVEL] [--tag TAG ...] [--list-tags]`:
 * Django's system check command. Exits 1 when a message at or above the
 * fail level (ERROR by default) is shown, else 0.
 */
import { isLevel, LEVELS, formatReport, registry, runSystemChecks, type Level } from '../../checks/index.js';
import { CommandError, flag, stringList, stringOption, type Command } from '../base.js';

function failLevel(value: string | undefined): Level {
  if (value === undefined) return 'ERROR';
  const level = value.toUpperCase();
  if (isLevel(level)) return level;
  throw new CommandError(`check: argument --fail-level: invalid choice: '${value}' (choose from ${[...LEVELS].reverse().map((name) => `'${name}'`).join(', ')})`, 2);
}

const command: Command = {
  help: 'Checks the settings, the URL table and the installed apps for problems; --deploy adds the production checks.',
  options: {
    deploy: { type: 'boolean', help: 'check deployment settings too (DEBUG, SECRET_KEY, ALLOWED_HOSTS, HTTPS, cookies, database)' },
    'fail-level': { type: 'string', metavar: 'LEVEL', help: 'the message level that makes the command exit 1: CRITICAL, ERROR (default), WARNING, INFO or DEBUG' },
    tag: { type: 'string', short: 't', multiple: true, metavar: 'TAG', help: 'run only the checks with this tag (repeatable)' },
    'list-tags': { type: 'boolean', help: 'list the available tags and exit' },
  },
  async handle(args) {
    const deploy = flag(args, 'deploy');
    const level = failLevel(stringOption(args, 'fail-level'));
    if (flag(args, 'list-tags')) {
      const tags = registry.tagsAvailable(deploy);
      process.stdout.write(tags.length > 0 ? `${tags.join('\n')}\n` : '');
      return 0;
    }
    const tags = stringList(args, 'tag');
    const unknown = tags.find((tag) => !registry.tagExists(tag, deploy));
    if (unknown !== undefined) {
      const deployOnly = !deploy && registry.tagExists(unknown, true) ? ' (its checks are deployment checks: add --deploy)' : '';
      throw new CommandError(`There is no system check with the "${unknown}" tag.${deployOnly}`);
    }
    const { messages, silenced } = await runSystemChecks({ deploy, tags });
    const report = formatReport(messages, { silenced, failLevel: level });
    (report.stream === 'stderr' ? process.stderr : process.stdout).write(report.output);
    return report.failed ? 1 : 0;
  },
};

export default command;
