/**
 * Runs the generator (or another node program) on a pseudo-terminal, so that it prompts: util-linux
 * `script` gives the command a terminal and relays our keystrokes to it.
 * No native module needed.
 */
import { spawn, spawnSync } from 'node:child_process';
import { CLI } from './process.js';

export const KEY = { enter: '\r', down: '\x1b[B', ctrlC: '\x03', backspace: '\x7f' };

export const hasScript = spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0;

/** Strips ANSI escapes, so prompts can be matched as text. */
export function plain(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][A-Z0-9]|\x1b[=>78]/g, '');
}

function shellQuote(arg: string): string {
  return `'${arg.replaceAll("'", `'\\''`)}'`;
}

const running = new Set<Terminal>();

/** For afterEach: ends every session a failed test left running. */
export function closeAll(): void {
  for (const term of running) term.close();
  running.clear();
}

/**
 * The environment of a person at a colour terminal: the variables that make
 * node turn colour off (a CI run sets CI, which alone means "no colour" to
 * node's getColorDepth) are taken out, so the test sees what a user sees;
 * so are node flags and test databases a test run may have set.
 */
function userTerminalEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, TERM: 'xterm-256color' };
  for (const name of ['CI', 'NO_COLOR', 'FORCE_COLOR', 'NODE_DISABLE_COLORS', 'NODE_OPTIONS', 'TSGATE_TEST_DATABASES']) delete env[name];
  return env;
}

export class Terminal {
  output = '';
  readonly exited: Promise<number>;
  private readonly child;

  /** Runs `node PROGRAM ARGS` (the generator's CLI by default) on a terminal. */
  constructor(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}, program = CLI) {
    const command = `stty cols 100 rows 40; exec ${[process.execPath, program, ...args].map(shellQuote).join(' ')}`;
    this.child = spawn('script', ['-qfec', command, '/dev/null'], { cwd, env: { ...userTerminalEnv(), ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stdout.on('data', (data: Buffer) => (this.output += data.toString()));
    this.child.stderr.on('data', (data: Buffer) => (this.output += data.toString()));
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => resolve(code ?? -1)));
    running.add(this);
  }

  /** Waits until the text shown (ANSI stripped), from `since` on, matches. */
  async waitFor(pattern: RegExp, since = 0, timeoutMs = 20_000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const shown = plain(this.output.slice(since));
      if (pattern.test(shown)) return this.output.length;
      if (this.child.exitCode !== null || Date.now() > deadline) {
        throw new Error(`waiting for ${pattern}: ${this.child.exitCode !== null ? `exited ${this.child.exitCode}` : 'timed out'}\n--- screen ---\n${plain(this.output)}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  /** Ends the session (and the generator with it) if it is still running. */
  close(): void {
    if (this.child.exitCode === null) this.child.kill('SIGKILL');
  }

  type(keys: string): void {
    this.child.stdin.write(keys);
  }

  /** Answers a prompt: waits for its question, then types. */
  async answer(question: RegExp, keys: string): Promise<void> {
    await this.waitFor(question, this.mark);
    this.mark = this.output.length;
    this.type(keys);
  }

  private mark = 0;
}
