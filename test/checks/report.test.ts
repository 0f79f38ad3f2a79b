/** The report's format (Django's), --fail-level and silencing, and the registry's tags. */
import { describe, expect, it } from 'vitest';
import { DEFAULTS } from '../../src/runtime/conf/defaults.js';
import type { Settings } from '../../src/runtime/conf/types.js';
import { CheckRegistry, critical, debug, error, formatMessage, formatReport, info, warning, type Level } from '../../src/runtime/checks/index.js';

const W004 = warning('security.W004', 'You have not set a value for the SECURE_HSTS_SECONDS setting.');
const W018 = warning('security.W018', 'You should not have DEBUG set to true in deployment.', 'Set DEBUG=false.');
const E001 = error('apps.E001', "INSTALLED_APPS lists 'blog', but there is no folder blog.", undefined, 'blog');

describe('formatMessage', () => {
  it('prints ?: (id) text, and the hint on its own tab-indented line, as Django', () => {
    expect(formatMessage(W004)).toBe('?: (security.W004) You have not set a value for the SECURE_HSTS_SECONDS setting.');
    expect(formatMessage(W018)).toBe('?: (security.W018) You should not have DEBUG set to true in deployment.\n\tHINT: Set DEBUG=false.');
    expect(formatMessage(E001)).toBe("blog: (apps.E001) INSTALLED_APPS lists 'blog', but there is no folder blog.");
  });
});

describe('formatReport', () => {
  it('says so when there is nothing to report, on stdout', () => {
    expect(formatReport([])).toEqual({ output: 'System check identified no issues (0 silenced).\n', stream: 'stdout', failed: false, visible: 0, silenced: 0 });
  });

  it('groups by level, most severe first, sorted within a group, and counts the issues', () => {
    const report = formatReport([W018, W004, E001]);
    expect(report.output).toBe(
      'SystemCheckError: System check identified some issues:\n' +
        '\n' +
        'ERRORS:\n' +
        "blog: (apps.E001) INSTALLED_APPS lists 'blog', but there is no folder blog.\n" +
        '\n' +
        'WARNINGS:\n' +
        '?: (security.W004) You have not set a value for the SECURE_HSTS_SECONDS setting.\n' +
        '?: (security.W018) You should not have DEBUG set to true in deployment.\n' +
        '\tHINT: Set DEBUG=false.\n' +
        '\n' +
        'System check identified 3 issues (0 silenced).\n',
    );
    expect(report).toMatchObject({ stream: 'stderr', failed: true, visible: 3, silenced: 0 });
  });

  it('shows warnings without failing at the default fail level, and says "1 issue"', () => {
    const report = formatReport([W004]);
    expect(report.output).toBe(
      'System check identified some issues:\n\nWARNINGS:\n?: (security.W004) You have not set a value for the SECURE_HSTS_SECONDS setting.\n\nSystem check identified 1 issue (0 silenced).\n',
    );
    expect(report).toMatchObject({ stream: 'stderr', failed: false });
  });

  it('names every level group as Django does', () => {
    const output = formatReport([debug('t.D001', 'd'), info('t.I001', 'i'), critical('t.C001', 'c')]).output;
    expect(output).toBe('SystemCheckError: System check identified some issues:\n\nCRITICALS:\n?: (t.C001) c\n\nINFOS:\n?: (t.I001) i\n\nDEBUGS:\n?: (t.D001) d\n\nSystem check identified 3 issues (0 silenced).\n');
  });

  it.each<[Level, boolean, boolean, boolean]>([
    // fail level, fails on a CRITICAL, on an ERROR, on a WARNING
    ['CRITICAL', true, false, false],
    ['ERROR', true, true, false],
    ['WARNING', true, true, true],
    ['INFO', true, true, true],
    ['DEBUG', true, true, true],
  ])('--fail-level %s', (failLevel, onCritical, onError, onWarning) => {
    expect(formatReport([critical('t.C001', 'c')], { failLevel }).failed).toBe(onCritical);
    expect(formatReport([E001], { failLevel }).failed).toBe(onError);
    expect(formatReport([W004], { failLevel }).failed).toBe(onWarning);
    expect(formatReport([info('t.I001', 'i')], { failLevel }).failed).toBe(failLevel === 'INFO' || failLevel === 'DEBUG');
  });

  it('leaves silenced messages out, counts them, and does not fail on them', () => {
    const report = formatReport([W018, W004, E001], { silenced: ['apps.E001', 'security.W018'] });
    expect(report.output).toBe(
      'System check identified some issues:\n\nWARNINGS:\n?: (security.W004) You have not set a value for the SECURE_HSTS_SECONDS setting.\n\nSystem check identified 1 issue (2 silenced).\n',
    );
    expect(report.failed).toBe(false);
    expect(formatReport([W004], { silenced: ['security.W004'] })).toMatchObject({
      output: 'System check identified no issues (1 silenced).\n',
      stream: 'stdout',
      failed: false,
    });
  });
});

describe('CheckRegistry', () => {
  const settings: Settings = { ...DEFAULTS, ROOT_URLCONF: 'site.urls', WSGI_APPLICATION: 'site.wsgi:application' };

  function sample(): CheckRegistry {
    const registry = new CheckRegistry();
    registry.register(() => [warning('urls.W001', 'u')], { tags: ['urls'] });
    registry.register(async () => [warning('apps.W001', 'a')], { tags: ['apps', 'models'] });
    registry.register(() => [warning('security.W004', 's')], { tags: ['security'], deploy: true });
    return registry;
  }

  it('runs the deployment checks only when asked', async () => {
    const registry = sample();
    expect((await registry.run(settings)).map((m) => m.id)).toEqual(['urls.W001', 'apps.W001']);
    expect((await registry.run(settings, { deploy: true })).map((m) => m.id)).toEqual(['urls.W001', 'apps.W001', 'security.W004']);
  });

  it('filters by tag: a check runs when it has any of the tags', async () => {
    const registry = sample();
    expect((await registry.run(settings, { tags: ['models'] })).map((m) => m.id)).toEqual(['apps.W001']);
    expect((await registry.run(settings, { tags: ['urls', 'security'], deploy: true })).map((m) => m.id)).toEqual(['urls.W001', 'security.W004']);
    expect(await registry.run(settings, { tags: ['security'] })).toEqual([]);
  });

  it('lists its tags, the deployment ones only with deploy', () => {
    const registry = sample();
    expect(registry.tagsAvailable()).toEqual(['apps', 'models', 'urls']);
    expect(registry.tagsAvailable(true)).toEqual(['apps', 'models', 'security', 'urls']);
    expect(registry.tagExists('security')).toBe(false);
    expect(registry.tagExists('security', true)).toBe(true);
  });

  it('registers a function once', async () => {
    const registry = new CheckRegistry();
    const check = () => [info('x.I001', 'x')];
    registry.register(check, { tags: ['a'] });
    registry.register(check, { tags: ['b'] });
    expect(registry.tagsAvailable()).toEqual(['b']);
    expect(await registry.run(settings)).toHaveLength(1);
  });
});
