/**
 * deploy/nginx.conf and deploy/apache.conf checked by the servers themselves:
 * `nginx -t` and Apache's `-t` (what `apache2ctl configtest` runs), each on a
 * minimal main configuration in a temporary folder that includes the
 * generated file where a distribution's main configuration would (nginx: in
 * `http {}`, as /etc/nginx/conf.d/; Apache: at the top level, as
 * sites-enabled/). Apache loads only Debian's default modules the file needs
 * plus the ones its own `a2enmod` line names, so a directive from a module
 * that line forgets fails here too.
 *
 * `.ci/run` installs nginx and apache2 from Debian's packages. Where one is
 * missing its tests are skipped with a notice, except with
 * TSGATE_REQUIRE_SERVICES=1, where they fail.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort, tempDir } from '../helpers/process.js';
import { NAME, generateProject } from './project.js';

const REQUIRED = process.env.TSGATE_REQUIRE_SERVICES === '1';
const APACHE_MODULES = '/usr/lib/apache2/modules';

/** An executable on PATH or in the sbin folders (not on a non-root PATH on Debian). */
function which(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin', '/sbin'];
  return dirs.filter((dir) => dir.startsWith('/')).map((dir) => join(dir, name)).find((path) => existsSync(path));
}

/**
 * Call first in a describe block: when the tool is missing, registers a
 * failing test (TSGATE_REQUIRE_SERVICES=1) or a skipped one with a notice,
 * and returns true so the block registers nothing else.
 */
function missing(tool: string, problem: string | undefined): boolean {
  if (!problem) return false;
  if (REQUIRED) {
    it(`needs ${tool} (TSGATE_REQUIRE_SERVICES=1)`, () => {
      throw new Error(`${problem}; TSGATE_REQUIRE_SERVICES=1 makes it mandatory (.ci/run installs it with apt-get)`);
    });
  } else {
    console.warn(`Skipping the ${tool} configuration tests: ${problem}. Set TSGATE_REQUIRE_SERVICES=1 to make this a failure.`);
    it.skip(`needs ${tool}: ${problem}`, () => undefined);
  }
  return true;
}

/** The generated file, or a copy of it changed by `edit` (to show a broken one is refused). */
function configFile(project: string, name: string, edit?: (text: string) => string): string {
  const path = join(project, 'deploy', name);
  if (!edit) return path;
  const copy = join(tempDir('tsgate-proxy-conf-'), name);
  const text = readFileSync(path, 'utf8');
  const changed = edit(text);
  expect(changed).not.toBe(text);
  writeFileSync(copy, changed);
  return copy;
}

const project = generateProject();

// --- nginx -----------------------------------------------------------------

const nginx = which('nginx');

/** `nginx -t` with the file included in `http {}`; pid, logs and temp folders in a temporary prefix. */
function nginxTest(conf: string): { status: number | null; output: string } {
  const prefix = tempDir('tsgate-nginx-');
  const main = join(prefix, 'nginx.conf');
  writeFileSync(
    main,
    [
      `pid ${join(prefix, 'nginx.pid')};`,
      `error_log ${join(prefix, 'error.log')};`,
      'events {}',
      'http {',
      `    access_log ${join(prefix, 'access.log')};`,
      ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((kind) => `    ${kind}_temp_path ${join(prefix, kind)};`),
      `    include ${conf};`,
      '}',
      '',
    ].join('\n'),
  );
  const result = spawnSync(nginx as string, ['-t', '-p', `${prefix}/`, '-c', main], { encoding: 'utf8', timeout: 30_000 });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe('deploy/nginx.conf: nginx -t', () => {
  if (missing('nginx', nginx ? undefined : 'nginx is not installed')) return;

  it('is accepted inside http {}', () => {
    const { status, output } = nginxTest(configFile(project, 'nginx.conf'));
    expect(output).toContain('syntax is ok');
    expect(output).toContain('test is successful');
    expect(status, output).toBe(0);
  });

  it('the check refuses a broken copy: an unknown directive, a missing brace', () => {
    const unknown = nginxTest(configFile(project, 'nginx.conf', (text) => text.replace('proxy_redirect off;', 'proxy_redirekt off;')));
    expect(unknown.status).not.toBe(0);
    expect(unknown.output).toContain('unknown directive "proxy_redirekt"');
    const unbalanced = nginxTest(configFile(project, 'nginx.conf', (text) => text.replace(/\n\s*\}\s*$/, '\n')));
    expect(unbalanced.status).not.toBe(0);
    expect(unbalanced.output).toMatch(/unexpected end of file/);
  });
});

// --- Apache ----------------------------------------------------------------

const apache = which('apache2') ?? which('httpd');
const apacheProblem = !apache
  ? 'apache2 is not installed'
  : !existsSync(join(APACHE_MODULES, 'mod_proxy.so'))
    ? `no Apache modules in ${APACHE_MODULES} (Debian's apache2 package puts them there)`
    : undefined;

/** What Debian enables by default that the file relies on, plus what its own `a2enmod` line enables. */
function apacheModules(conf: string): string[] {
  const a2enmod = /a2enmod ((?:[a-z_]+ ?)+)/.exec(readFileSync(conf, 'utf8'))?.[1]?.trim().split(' ') ?? [];
  return ['mpm_event', 'authz_core', 'alias', ...a2enmod];
}

/** `apache2 -t -f MAIN` with the file included at the top level; no Debian envvars needed. */
async function apacheTest(conf: string, modules = apacheModules(conf)): Promise<{ status: number | null; output: string }> {
  const root = tempDir('tsgate-apache-');
  const main = join(root, 'httpd.conf');
  writeFileSync(
    main,
    [
      `ServerRoot ${root}`,
      `DefaultRuntimeDir ${root}`,
      `PidFile ${join(root, 'httpd.pid')}`,
      `ErrorLog ${join(root, 'error.log')}`,
      `Listen 127.0.0.1:${await freePort()}`,
      'ServerName localhost',
      ...modules.map((module) => `LoadModule ${module}_module ${join(APACHE_MODULES, `mod_${module}.so`)}`),
      `Include ${conf}`,
      '',
    ].join('\n'),
  );
  const result = spawnSync(apache as string, ['-t', '-d', root, '-f', main], { encoding: 'utf8', timeout: 30_000, env: { PATH: process.env.PATH ?? '' } });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe('deploy/apache.conf: apache2 -t (configtest)', () => {
  if (missing('apache2', apacheProblem)) return;

  it(`is accepted with the modules its a2enmod line names (the ${NAME} VirtualHost)`, async () => {
    const conf = configFile(project, 'apache.conf');
    expect(apacheModules(conf)).toEqual(expect.arrayContaining(['proxy', 'proxy_http', 'headers']));
    const { status, output } = await apacheTest(conf);
    expect(output).toContain('Syntax OK');
    expect(status, output).toBe(0);
  });

  it('the check refuses a broken copy: a misspelt directive, an unclosed section, a module not loaded', async () => {
    const misspelt = await apacheTest(configFile(project, 'apache.conf', (text) => text.replace('ProxyPreserveHost On', 'ProxyPreservHost On')));
    expect(misspelt.status).not.toBe(0);
    expect(misspelt.output).toContain("Invalid command 'ProxyPreservHost'");
    const unclosed = await apacheTest(configFile(project, 'apache.conf', (text) => text.replace('</Directory>', '')));
    expect(unclosed.status).not.toBe(0);
    expect(unclosed.output).toMatch(/<Directory[^>]*> was not closed|Expected <\/Directory> but saw <\/VirtualHost>/);
    const conf = configFile(project, 'apache.conf');
    const withoutHeaders = await apacheTest(conf, apacheModules(conf).filter((module) => module !== 'headers'));
    expect(withoutHeaders.status).not.toBe(0);
    expect(withoutHeaders.output).toContain("Invalid command 'RequestHeader'");
  });
});
