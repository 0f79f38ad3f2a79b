/**
 * The development server: one process, no workers, restarted when a source
 * file changes. As in Django, a parent process watches the files and runs
 * the server in a child (marked by TSGATE_RUN_MAIN), restarting it on change.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { watch } from 'node:fs';
import { createServer } from 'node:http';
import { configure } from '../../conf/settings.js';
import { getModuleRoot } from '../../conf/modules.js';
import { createRequestHandler, requestPolicy } from '../../server/handler.js';
import { flushMonitoring, isMonitoringError, startMonitoring } from '../../server/monitoring.js';
import { parseBind, formatBind } from '../../server/options.js';
import { loadApplication } from '../app-spec.js';
import { CommandError, flag, type Command } from '../base.js';
import { unappliedNotice } from '../database.js';

const RUN_MAIN = 'TSGATE_RUN_MAIN';
const WATCHED = /\.(ts|mts|js|mjs|json|hbs|html|env)$/;
const IGNORED = /(^|[/\\])(node_modules|dist|\.git|staticfiles)([/\\]|$)/;

async function runServer(addrport: string): Promise<number | undefined> {
  const bind = parseBind(addrport);
  const settings = await configure();
  // Tracing and Sentry as serve's workers start them (OTEL_EXPORTER_OTLP_ENDPOINT, SENTRY_DSN), before the app loads.
  try {
    await startMonitoring();
  } catch (error) {
    if (isMonitoringError(error)) throw new CommandError(error.message);
    throw error;
  }
  // The application serves the static files itself (getWsgiApplication: the finders in DEBUG).
  const app = await loadApplication(settings.WSGI_APPLICATION);
  const server = createServer(
    { keepAlive: true },
    createRequestHandler(app, {
      serverPort: 'port' in bind ? String(bind.port) : '',
      multiprocess: false,
      closeConnections: () => false,
      // Development: every request is shown, as Django's runserver does.
      ...requestPolicy({ accessLog: { file: '-' } }),
    }),
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error) => reject(new CommandError(`cannot listen on ${addrport}: ${error.message}`)));
    if ('path' in bind) server.listen(bind.path, resolve);
    else server.listen(bind.port, bind.host, resolve);
  });
  process.stdout.write(await unappliedNotice(settings));
  process.stdout.write(
    `tsgate development server at ${formatBind(bind)}/ using settings '${process.env.TSGATE_SETTINGS_MODULE}'\n` +
      'Quit the server with CONTROL-C.\n',
  );
  // The reloader stops this process with TERM on every change: what is buffered is sent first.
  process.on('SIGTERM', () => void flushMonitoring().then(() => process.exit(0)));
  return undefined;
}

/** Runs the server in a child and restarts it whenever a watched file changes. */
function runWithReloader(): Promise<number> {
  let child: ChildProcess | undefined;
  let restarting = false;
  const start = () => {
    child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
      stdio: 'inherit',
      env: { ...process.env, [RUN_MAIN]: 'true' },
    });
    child.on('exit', () => {
      child = undefined;
      if (restarting) {
        restarting = false;
        start();
      }
    });
  };
  let timer: NodeJS.Timeout | undefined;
  watch(getModuleRoot(), { recursive: true }, (_event, file) => {
    if (!file || !WATCHED.test(file) || IGNORED.test(file)) return;
    clearTimeout(timer);
    timer = setTimeout(() => {
      process.stdout.write(`${file} changed, reloading.\n`);
      if (child) {
        restarting = true;
        child.kill('SIGTERM');
      } else start();
    }, 100);
  });
  start();
  return new Promise((resolve) => {
    const stop = () => {
      child?.kill('SIGTERM');
      resolve(0);
      process.exit(0);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

const command: Command = {
  help: 'Starts the development server on ADDRPORT (default 127.0.0.1:8000), reloading when files change.',
  args: '[ADDRPORT]',
  options: { noreload: { type: 'boolean', help: 'do not restart the server when files change' } },
  async handle(args) {
    const addrport = args.positionals[0] ?? '127.0.0.1:8000';
    parseBind(addrport);
    if (flag(args, 'noreload') || process.env[RUN_MAIN] === 'true') return runServer(addrport);
    return runWithReloader();
  },
};

export default command;
