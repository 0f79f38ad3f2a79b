/**
 * The report `manage check` prints, as Django's BaseCommand.check() words
 * it: messages grouped by level, most severe first, sorted within a group,
 * then a count of the issues shown and of those silenced.
 */
import { formatMessage, isSerious, type CheckMessage, type Level } from './messages.js';

export interface ReportOptions {
  /** IDs not to show (SILENCED_SYSTEM_CHECKS); they are counted as silenced. */
  readonly silenced?: Iterable<string>;
  /** The least severe level that fails the check; ERROR by default. */
  readonly failLevel?: Level;
}

export interface Report {
  /** The text to print, ending with a newline. */
  readonly output: string;
  /** Where Django prints it: stderr when any issue is shown, else stdout. */
  readonly stream: 'stdout' | 'stderr';
  /** Whether a shown message is at or above the fail level: exit code 1. */
  readonly failed: boolean;
  readonly visible: number;
  readonly silenced: number;
}

const GROUPS: readonly (readonly [Level, string])[] = [
  ['CRITICAL', 'CRITICALS'],
  ['ERROR', 'ERRORS'],
  ['WARNING', 'WARNINGS'],
  ['INFO', 'INFOS'],
  ['DEBUG', 'DEBUGS'],
];

function count(issues: number): string {
  if (issues === 0) return 'no issues';
  return issues === 1 ? '1 issue' : `${issues} issues`;
}

export function formatReport(messages: readonly CheckMessage[], options: ReportOptions = {}): Report {
  const silencedIds = new Set(options.silenced ?? []);
  const shown = messages.filter((message) => !silencedIds.has(message.id));
  let body = '';
  for (const [level, title] of GROUPS) {
    const group = shown.filter((message) => message.level === level);
    if (group.length > 0) body += `\n${title}:\n${group.map(formatMessage).sort().join('\n')}\n`;
  }
  const visible = shown.length;
  const header = visible > 0 ? 'System check identified some issues:\n' : '';
  const footer = `${visible > 0 ? '\n' : ''}System check identified ${count(visible)} (${messages.length - visible} silenced).`;
  const failed = shown.some((message) => isSerious(message, options.failLevel ?? 'ERROR'));
  return {
    output: `${failed ? 'SystemCheckError: ' : ''}${header}${body}${footer}\n`,
    stream: visible > 0 ? 'stderr' : 'stdout',
    failed,
    visible,
    silenced: messages.length - visible,
  };
}
