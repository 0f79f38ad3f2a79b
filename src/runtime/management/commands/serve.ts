import { configure } from '../../conf/settings.js';
import {
  defaultWorkers,
  nonNegative,
  parseBind,
  parseLogLevel,
  positiveInt,
  serve,
  type ServerOptions,
} from '../../server/index.js';
import { loadApplication } from '../app-spec.js';
import { flag, stringList, stringOption, type Command, type ParsedArgs } from '../base.js';
import { parseCommandLine } from '../args.js';

const options: Command['options'] = {
  bind: { type: 'string', short: 'b', multiple: true, metavar: 'ADDRESS', help: 'HOST:PORT, [IPV6]:PORT or unix:PATH to listen on; repeatable (default 127.0.0.1:8000)' },
  workers: { type: 'string', short: 'w', metavar: 'N', help: 'worker processes (default $WEB_CONCURRENCY, else the CPU count)' },
  'keep-alive': { type: 'string', metavar: 'SECONDS', help: 'how long an idle keep-alive connection stays open (default 2)' },
  'graceful-timeout': { type: 'string', metavar: 'SECONDS', help: 'time in-flight requests get after TERM (default 30)' },
  'log-level': { type: 'string', metavar: 'LEVEL', help: 'debug, info, warning, error or critical (default info)' },
  'check-config': { type: 'boolean', help: 'load the settings and the app, print what would run, and exit' },
};

/** `$TSGATE_CMD_ARGS` first, the command line over it: a flag given on both takes the command line's value. */
function withEnvironmentArgs(args: ParsedArgs): ParsedArgs {
  const fromEnv = process.env.TSGATE_CMD_ARGS;
  if (!fromEnv) return args;
  const base = parseCommandLine('TSGATE_CMD_ARGS', options, fromEnv.trim().split(/\s+/));
  return { positionals: args.positionals.length > 0 ? args.positionals : base.positionals, values: { ...base.values, ...dropUnset(args.values) } };
}

function dropUnset(values: ParsedArgs['values']): ParsedArgs['values'] {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined));
}

export function serverOptions(args: ParsedArgs): ServerOptions {
  const binds = stringList(args, 'bind');
  const workers = stringOption(args, 'workers');
  const keepAlive = stringOption(args, 'keep-alive');
  const gracefulTimeout = stringOption(args, 'graceful-timeout');
  const logLevel = stringOption(args, 'log-level');
  return {
    binds: (binds.length > 0 ? binds : ['127.0.0.1:8000']).map(parseBind),
    workers: workers === undefined ? defaultWorkers() : positiveInt('--workers', workers),
    keepAlive: keepAlive === undefined ? 2 : nonNegative('--keep-alive', keepAlive),
    gracefulTimeout: gracefulTimeout === undefined ? 30 : nonNegative('--graceful-timeout', gracefulTimeout),
    logLevel: logLevel === undefined ? 'info' : parseLogLevel(logLevel),
  };
}

const command: Command = {
  help: 'Serves the application with the production server: a primary process and prefork workers, like gunicorn.',
  args: '[APP_SPEC]',
  options,
  async handle(cliArgs) {
    const args = withEnvironmentArgs(cliArgs);
    const config = serverOptions(args);
    const settings = await configure();
    const spec = args.positionals[0] ?? settings.WSGI_APPLICATION;
    if (flag(args, 'check-config')) {
      await loadApplication(spec);
      process.stdout.write(`${JSON.stringify({ app: spec, ...config }, null, 2)}\n`);
      return 0;
    }
    return serve(config, spec, () => loadApplication(spec));
  },
};

export default command;
