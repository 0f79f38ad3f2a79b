import { closeSync, openSync } from 'node:fs';
import { configure } from '../../conf/settings.js';
import { ImproperlyConfigured } from '../../conf/errors.js';
import {
  BootError,
  compileFormat,
  DEFAULT_FORWARDED_ALLOW_IPS,
  DEFAULT_LIMITS,
  defaultWorkers,
  formatBind,
  ErrorLog,
  isServerWorker,
  nonNegative,
  nonNegativeInt,
  OptionError,
  requestPolicy,
  parseBind,
  parseLogLevel,
  positiveInt,
  serve,
  type Bind,
  type ServerOptions,
} from '../../server/index.js';
import { loadApplication } from '../app-spec.js';
import { CommandError, flag, stringList, stringOption, type Command, type ParsedArgs } from '../base.js';
import type { Application } from '../../tsgi/types.js';
import { parseCommandLine, shellSplit } from '../args.js';

const options: Command['options'] = {
  bind: { type: 'string', short: 'b', multiple: true, metavar: 'ADDRESS', help: 'HOST:PORT, [IPV6]:PORT or unix:PATH to listen on; repeatable (default 127.0.0.1:8000)' },
  workers: { type: 'string', short: 'w', metavar: 'N', help: 'worker processes (default $WEB_CONCURRENCY, else the CPU count)' },
  'keep-alive': { type: 'string', metavar: 'SECONDS', help: 'how long an idle keep-alive connection stays open (default 2)' },
  'graceful-timeout': { type: 'string', metavar: 'SECONDS', help: 'time in-flight requests get after TERM (default 30)' },
  'log-level': { type: 'string', metavar: 'LEVEL', help: 'debug, info, warning, error or critical (default info)' },
  timeout: { type: 'string', short: 't', metavar: 'SECONDS', help: 'kill and replace a worker whose event loop is blocked this long; 0 never (default 30)' },
  'max-requests': { type: 'string', metavar: 'N', help: 'recycle a worker after N responses; 0 never (default 0)' },
  'max-requests-jitter': { type: 'string', metavar: 'N', help: 'add up to N to --max-requests per worker, so they do not restart together' },
  'limit-request-line': { type: 'string', metavar: 'BYTES', help: 'longest request line; 0 no limit (default 4094)' },
  'limit-request-fields': { type: 'string', metavar: 'N', help: 'most header fields; 0 no limit (default 100)' },
  'limit-request-field-size': { type: 'string', metavar: 'BYTES', help: 'longest header field; 0 no limit (default 8190)' },
  'limit-request-body': { type: 'string', metavar: 'BYTES', help: 'largest request body; 0 no limit (default 10485760)' },
  'header-timeout': { type: 'string', metavar: 'SECONDS', help: 'time a client gets to send its headers (default 60)' },
  'request-timeout': { type: 'string', metavar: 'SECONDS', help: 'time a client gets to send its whole request (default 300)' },
  'forwarded-allow-ips': { type: 'string', metavar: 'IPS', help: 'comma-separated IPs or CIDR ranges whose X-Forwarded-* headers are trusted, or * (default $FORWARDED_ALLOW_IPS, else 127.0.0.1,::1)' },
  'access-logfile': { type: 'string', metavar: 'FILE', help: 'write an access log line per response; - for stdout' },
  'access-logformat': { type: 'string', metavar: 'FORMAT', help: 'gunicorn atoms, e.g. \'%(h)s %(t)s "%(r)s" %(s)s %(b)s\'' },
  'access-log-json': { type: 'boolean', help: 'access log lines as JSON objects' },
  pid: { type: 'string', metavar: 'FILE', help: 'write the primary\'s pid to FILE' },
  'metrics-bind': { type: 'string', metavar: 'ADDRESS', help: 'serve Prometheus metrics of all workers at http://ADDRESS/metrics, e.g. 127.0.0.1:9100 (default $METRICS_BIND, else none)' },
  'check-config': { type: 'boolean', help: 'load the settings and the app, print what would run, and exit' },
};

/** `$TSGATE_CMD_ARGS` first, the command line over it: a flag given on both takes the command line's value. */
export function withEnvironmentArgs(args: ParsedArgs, fromEnv = process.env.TSGATE_CMD_ARGS): ParsedArgs {
  if (!fromEnv) return args;
  const base = parseCommandLine('TSGATE_CMD_ARGS', options, shellSplit(fromEnv, 'TSGATE_CMD_ARGS'), 'serve');
  return { positionals: args.positionals.length > 0 ? args.positionals : base.positionals, values: { ...base.values, ...dropUnset(args.values) } };
}

function dropUnset(values: ParsedArgs['values']): ParsedArgs['values'] {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined));
}

/** A number option, or `fallback` when not given; a bad value is an error naming the flag. */
function numberOption(args: ParsedArgs, name: string, fallback: number): number {
  const text = stringOption(args, name);
  return text === undefined ? fallback : nonNegative(`--${name}`, text);
}

/** A count (requests, bytes, fields): a fraction would never be reached, so it is refused. */
function countOption(args: ParsedArgs, name: string, fallback: number): number {
  const text = stringOption(args, name);
  return text === undefined ? fallback : nonNegativeInt(`--${name}`, text);
}

function accessLogOptions(args: ParsedArgs): ServerOptions['accessLog'] {
  const file = stringOption(args, 'access-logfile');
  if (file === undefined) return undefined;
  const format = stringOption(args, 'access-logformat');
  if (format !== undefined) compileFormat(format); // an unknown atom fails now, not per request
  if (file !== '-') {
    // Opened once here, in the primary, so a bad path is one clear error rather than every worker failing.
    try {
      closeSync(openSync(file, 'a'));
    } catch (error) {
      throw new OptionError(`--access-logfile ${file}: ${(error as Error).message}`);
    }
  }
  return { file, json: flag(args, 'access-log-json'), ...(format === undefined ? {} : { format }) };
}

/** `--metrics-bind`: an address as --bind takes it, but never one the app already listens on. */
function parseMetricsBind(text: string): Bind {
  try {
    return parseBind(text);
  } catch (error) {
    throw new OptionError((error as Error).message.replace(/^--bind/, '--metrics-bind'));
  }
}

export function serverOptions(args: ParsedArgs): ServerOptions {
  const binds = stringList(args, 'bind');
  const workers = stringOption(args, 'workers');
  const logLevel = stringOption(args, 'log-level');
  const allowIps = stringOption(args, 'forwarded-allow-ips') ?? process.env.FORWARDED_ALLOW_IPS;
  const pidFile = stringOption(args, 'pid');
  const metricsBind = stringOption(args, 'metrics-bind') ?? (process.env.METRICS_BIND || undefined);
  const options: ServerOptions = {
    binds: (binds.length > 0 ? binds : ['127.0.0.1:8000']).map(parseBind),
    workers: workers === undefined ? defaultWorkers() : positiveInt('--workers', workers),
    keepAlive: numberOption(args, 'keep-alive', 2),
    gracefulTimeout: numberOption(args, 'graceful-timeout', 30),
    logLevel: logLevel === undefined ? 'info' : parseLogLevel(logLevel),
    timeout: numberOption(args, 'timeout', 30),
    maxRequests: countOption(args, 'max-requests', 0),
    maxRequestsJitter: countOption(args, 'max-requests-jitter', 0),
    limits: {
      requestLine: countOption(args, 'limit-request-line', DEFAULT_LIMITS.requestLine),
      fields: countOption(args, 'limit-request-fields', DEFAULT_LIMITS.fields),
      fieldSize: countOption(args, 'limit-request-field-size', DEFAULT_LIMITS.fieldSize),
      body: countOption(args, 'limit-request-body', DEFAULT_LIMITS.body),
    },
    headerTimeout: numberOption(args, 'header-timeout', 60),
    requestTimeout: numberOption(args, 'request-timeout', 300),
    forwardedAllowIps: allowIps === undefined ? DEFAULT_FORWARDED_ALLOW_IPS : allowIps.split(',').map((ip) => ip.trim()).filter(Boolean),
    accessLog: accessLogOptions(args),
    ...(pidFile === undefined ? {} : { pidFile }),
    ...(metricsBind === undefined ? {} : { metricsBind: parseMetricsBind(metricsBind) }),
  };
  requestPolicy({ forwardedAllowIps: options.forwardedAllowIps }); // a bad IP fails now, in the primary
  // node refuses a header timeout longer than the request timeout, in every worker, at boot.
  const clash = options.metricsBind && options.binds.find((bind) => formatBind(bind) === formatBind(options.metricsBind as Bind));
  if (clash) throw new OptionError(`--metrics-bind ${formatBind(clash)} is also a --bind address: give metrics an address of their own`);
  if (options.requestTimeout && (options.headerTimeout ?? 0) > options.requestTimeout) {
    throw new OptionError(`--header-timeout (${options.headerTimeout}) must not be longer than --request-timeout (${options.requestTimeout})`);
  }
  return options;
}

/**
 * Said once at start: with SECURE_SSL_REDIRECT on (the production default)
 * every plain-HTTP request gets a 301, which is all one sees trying the
 * server over http:// without a TLS proxy in front.
 */
function sslRedirectNotice(config: ServerOptions): string {
  const trusted = config.forwardedAllowIps?.join(',') ?? '';
  return `SECURE_SSL_REDIRECT is on: redirecting http:// to https://; behind a TLS proxy pass --forwarded-allow-ips (trusted now: ${trusted}); for plain HTTP set SECURE_SSL_REDIRECT=false`;
}

/**
 * Loads the app in a worker; a mistake the user can fix is reported without
 * a stack. Static files are the application's own (getWsgiApplication), as
 * whitenoise's are the WSGI app's: the server adds nothing.
 */
async function loadForServing(spec: string): Promise<Application> {
  try {
    return await loadApplication(spec);
  } catch (error) {
    if (error instanceof CommandError || error instanceof ImproperlyConfigured) throw new BootError(`${error.name}: ${error.message}`);
    throw error;
  }
}

const command: Command = {
  help: 'Serves the application with the production server: a primary process and prefork workers, like gunicorn.',
  args: '[APP_SPEC]',
  options,
  async handle(cliArgs) {
    const args = withEnvironmentArgs(cliArgs);
    const options = serverOptions(args);
    const settings = await configure();
    // The server's own lines follow the project logger: JSON in production (DEBUG off).
    const config: ServerOptions = { ...options, logJson: !settings.DEBUG };
    const spec = args.positionals[0] ?? settings.WSGI_APPLICATION;
    if (flag(args, 'check-config')) {
      await loadApplication(spec);
      process.stdout.write(`${JSON.stringify({ app: spec, ...config }, null, 2)}\n`);
      return 0;
    }
    if (!isServerWorker() && settings.SECURE_SSL_REDIRECT) new ErrorLog(config.logLevel).info(sslRedirectNotice(config));
    return serve(config, spec, () => loadForServing(spec));
  },
};

export default command;
