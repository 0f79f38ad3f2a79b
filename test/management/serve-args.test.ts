import { describe, expect, it } from 'vitest';
import { parseCommandLine } from '../../src/runtime/management/args.js';
import serve, { serverOptions, withEnvironmentArgs } from '../../src/runtime/management/commands/serve.js';
import { shellSplit } from '../../src/runtime/management/args.js';
import { CommandError } from '../../src/runtime/management/base.js';

const parse = (argv: string[]) => parseCommandLine('serve', serve.options, argv);

describe('serve options from TSGATE_CMD_ARGS and the command line', () => {
  it('takes options from TSGATE_CMD_ARGS when the command line has none', () => {
    const options = serverOptions(withEnvironmentArgs(parse([]), '--workers 3 --bind 0.0.0.0:9000 --timeout 5'));
    expect(options.workers).toBe(3);
    expect(options.binds).toEqual([{ host: '0.0.0.0', port: 9000 }]);
    expect(options.timeout).toBe(5);
  });

  it('lets the command line win, flag by flag', () => {
    const args = withEnvironmentArgs(parse(['--workers', '5', '--bind', 'unix:/tmp/s.sock']), '--workers 3 --bind 0.0.0.0:9000 --keep-alive 7');
    const options = serverOptions(args);
    expect(options.workers).toBe(5);
    expect(options.binds).toEqual([{ path: '/tmp/s.sock' }]);
    expect(options.keepAlive).toBe(7);
  });

  it('keeps the app spec from the command line over one in the environment', () => {
    expect(withEnvironmentArgs(parse(['a.wsgi:app']), 'b.wsgi:app').positionals).toEqual(['a.wsgi:app']);
    expect(withEnvironmentArgs(parse([]), 'b.wsgi:app').positionals).toEqual(['b.wsgi:app']);
  });

  it('reports a bad flag in TSGATE_CMD_ARGS as a usage error naming the variable', () => {
    const error = (() => {
      try {
        withEnvironmentArgs(parse([]), '--frobnicate');
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(CommandError);
    expect((error as CommandError).exitCode).toBe(2);
    expect((error as CommandError).message).toMatch(/^TSGATE_CMD_ARGS: .*frobnicate/);
  });

  it('`serve` splits TSGATE_CMD_ARGS as a shell would: quotes keep spaces, backslashes escape', () => {
    const args = withEnvironmentArgs(parse([]), `--access-logformat '%(h)s "%(r)s" %(s)s' --forwarded-allow-ips "10.0.0.0/8, 192.168.1.1" --pid /tmp/a\\ b.pid`);
    expect(args.values['access-logformat']).toBe('%(h)s "%(r)s" %(s)s');
    expect(args.values['forwarded-allow-ips']).toBe('10.0.0.0/8, 192.168.1.1');
    expect(args.values.pid).toBe('/tmp/a b.pid');
    expect(shellSplit('  a  "b \\"c\\"" \'\' d\'e\'  ', 'X')).toEqual(['a', 'b "c"', '', 'de']);
  });

  it('an unclosed quote in TSGATE_CMD_ARGS is a usage error naming the variable', () => {
    expect(() => withEnvironmentArgs(parse([]), `--pid '/tmp/x.pid`)).toThrow(new CommandError(`TSGATE_CMD_ARGS: no closing quotation (') in "--pid '/tmp/x.pid"`, 2));
  });
});
