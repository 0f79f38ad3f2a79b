/**
 * Log injection (issue 14.6): a request's values never end a log line or
 * reach a terminal raw. Through a real `manage serve` with DEBUG off, the
 * CSRF rejection of `POST /x%0A{"level":"critical",…}` is one JSON line
 * whose path holds the forgery; in development's readable lines, control
 * characters are shown escaped.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { escapeControl, Logger } from '../../src/runtime/logging/index.js';
import { rawExchange } from '../server/helpers.js';
import { serveProject, type ServedProject } from '../http/served-project.js';

const FORGED = '{"level":"critical","message":"forged:database-wiped"}';

/** One request on its own connection, as the attacker sends it: the target exactly as written. */
async function send(port: number, target: string, headers = ''): Promise<string> {
  const raw = await rawExchange(port, `POST ${target} HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\nConnection: close\r\n${headers}\r\n`);
  return raw.toString('latin1').split('\r\n')[0] ?? '';
}

/** The lines of the server's output that parse as JSON objects. */
function jsonLines(output: string): Record<string, unknown>[] {
  return output.split('\n').flatMap((line) => {
    try {
      const value: unknown = JSON.parse(line);
      return typeof value === 'object' && value !== null ? [value as Record<string, unknown>] : [];
    } catch {
      return [];
    }
  });
}

describe('through a real serve with DEBUG off', () => {
  let project: ServedProject;

  beforeAll(async () => {
    project = await serveProject();
  });

  afterAll(() => {
    project?.stop();
  });

  it('a forged JSON line in the path stays inside the CSRF line’s path field; no line is critical', async () => {
    expect(await send(project.port, `/x%0A${FORGED}`)).toBe('HTTP/1.1 403 Forbidden');
    await project.server.waitFor(/Forbidden \(CSRF\)/);
    const output = project.server.output;
    const lines = output.split('\n').filter((line) => line.includes('CSRF') || line.includes('forged'));
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] as string)).toMatchObject({
      level: 'warning',
      message: 'Forbidden (CSRF): CSRF cookie not set.',
      method: 'POST',
      path: `/x\n${FORGED}`,
      status: 403,
    });
    expect(jsonLines(output).filter((entry) => entry.level === 'critical')).toEqual([]);
  });

  it('ANSI and C1 escapes in the path reach the log escaped, never as raw bytes', async () => {
    // %1B is ESC; %C2%9B decodes (as latin-1 code units, PEP 3333) to Â and 0x9B, a one-byte CSI.
    expect(await send(project.port, '/y%1B[31mred%1B[0m%C2%9B2J')).toBe('HTTP/1.1 403 Forbidden');
    await project.server.waitFor(/\/y\\u001b\[31mred/);
    const output = project.server.output;
    expect(output).not.toMatch(/[\u001b\u009b]/);
    const line = output.split('\n').find((text) => text.includes('/y\\u001b'));
    expect(line).toContain('"path":"/y\\u001b[31mred\\u001b[0m\u00c2\\u009b2J"');
    expect(JSON.parse(line as string)).toMatchObject({ path: '/y\u001b[31mred\u001b[0m\u00c2\u009b2J' });
  });

  it('the host-validation line is JSON too', async () => {
    const raw = await rawExchange(project.port, 'GET / HTTP/1.1\r\nHost: evil.test\r\nConnection: close\r\n\r\n');
    expect(raw.toString('latin1')).toMatch(/^HTTP\/1\.1 400 /);
    await project.server.waitFor(/Invalid HTTP_HOST header/);
    const line = project.server.output.split('\n').find((text) => text.includes('Invalid HTTP_HOST header'));
    expect(JSON.parse(line as string)).toMatchObject({ level: 'warning', message: expect.stringMatching(/^Invalid HTTP_HOST header: 'evil.test'\./) });
  });
});

describe('the logger', () => {
  let out = '';
  beforeAll(() => {
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => ((out += String(chunk)), true));
  });
  afterEach(() => {
    out = '';
  });
  afterAll(() => {
    vi.restoreAllMocks();
  });

  it('JSON lines: one line per event, every control character escaped (C0 by JSON, DEL, C1 and U+2028/9 too)', () => {
    new Logger({ level: 'info', json: true }).warning('bad \u2028 request', { path: `/a\n${FORGED}\r\u001b[2J\u007f\u0085`, stack: 'Error: x\n    at y' });
    expect(out.endsWith('\n')).toBe(true);
    expect(out.slice(0, -1)).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/);
    expect(JSON.parse(out)).toMatchObject({ level: 'warning', message: 'bad \u2028 request', path: `/a\n${FORGED}\r\u001b[2J\u007f\u0085`, stack: 'Error: x\n    at y' });
  });

  it('JSON lines: a field cannot replace the line’s own time, level or message', () => {
    new Logger({ level: 'info', json: true }).warning('real', { level: 'critical', message: 'forged', time: 'then', path: '/' });
    expect(JSON.parse(out)).toEqual({ time: expect.stringMatching(/^\d{4}-/), level: 'warning', message: 'real', path: '/' });
  });

  it('readable lines: message and values on one line with controls shown escaped; a stack indented under it', () => {
    new Logger({ level: 'info', json: false }).warning('Forbidden (CSRF): x', { path: `/a\n${FORGED}\u001b[31m\u009b`, count: 2, stack: 'Error: bad\ninput\n    at view' });
    const [first, ...rest] = out.split('\n');
    expect(first).toMatch(/^\[[^\]]+\] WARNING Forbidden \(CSRF\): x path=\/a\\n\{"level":"critical".*\}\\x1b\[31m\\x9b count=2$/);
    expect(rest).toEqual(['  Error: bad', '  input', '      at view', '']);
  });

  it('escapeControl shows what it replaces', () => {
    expect(escapeControl('a\tb\r\n\u0000\u007f\u0085\u2028')).toBe('a\\tb\\r\\n\\x00\\x7f\\x85\\u2028');
  });
});
