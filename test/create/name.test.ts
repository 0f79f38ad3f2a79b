import { describe, expect, it } from 'vitest';
import { CreateError } from '../../src/create/errors.js';
import { validateProjectName } from '../../src/create/name.js';
import { detectPackageManager } from '../../src/create/package-manager.js';

function usageError(name: string): CreateError {
  try {
    validateProjectName(name);
  } catch (error) {
    expect(error).toBeInstanceOf(CreateError);
    return error as CreateError;
  }
  throw new Error(`'${name}' was accepted`);
}

describe('project names', () => {
  it.each(['mysite', 'shop2', 'my_site', 'a'])('accepts %s', (name) => {
    expect(validateProjectName(name)).toBe(name);
  });

  it.each([
    ['My-Site', /lowercase letters, digits and underscores.*'my_site'/],
    ['my-site', /'my_site'/],
    ['1site', /starting with a letter/],
    ['_site', /starting with a letter/],
    ['my site', /not a valid project name/],
    ['', /empty/],
    ['a'.repeat(65), /too long/],
  ])('refuses %j with a message saying what works', (name, message) => {
    const error = usageError(name);
    expect(error.exitCode).toBe(2);
    expect(error.message).toMatch(message);
  });

  it.each(['tsgate', 'test', 'node_modules', 'dist', 'vendor', 'http', 'fs', 'crypto'])('refuses the reserved name %s', (name) => {
    const error = usageError(name);
    expect(error.exitCode).toBe(2);
    expect(error.message).toContain(`'${name}' is reserved`);
  });
});

describe('package manager', () => {
  it('follows npm_config_user_agent', () => {
    expect(detectPackageManager('pnpm/9.1.0 npm/? node/v20.19.0 linux x64').name).toBe('pnpm');
    expect(detectPackageManager('yarn/1.22.22 npm/? node/v20.19.0').name).toBe('yarn');
    expect(detectPackageManager('bun/1.1.0').name).toBe('bun');
    expect(detectPackageManager('npm/11.0.0 node/v20.19.0').install).toBe('npm install');
  });

  it('defaults to npm', () => {
    expect(detectPackageManager(undefined).name).toBe('npm');
    expect(detectPackageManager('unknown/1.0').name).toBe('npm');
  });
});
