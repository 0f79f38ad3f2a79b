import { describe, expect, it } from 'vitest';
import { isAllowedHost, splitDomain } from '../../src/runtime/middleware/hosts.js';

describe('ALLOWED_HOSTS matching, as Django', () => {
  it('strips the port and a trailing dot, lowercases, and refuses malformed hosts', () => {
    expect(splitDomain('Example.COM:8000')).toBe('example.com');
    expect(splitDomain('example.com.')).toBe('example.com');
    expect(splitDomain('[::1]:8000')).toBe('[::1]');
    expect(splitDomain('evil.com/x')).toBeUndefined();
    expect(splitDomain('a b')).toBeUndefined();
    expect(splitDomain('')).toBeUndefined();
  });

  it('matches exact names, .subdomain patterns and *', () => {
    expect(isAllowedHost('example.com', ['example.com'])).toBe(true);
    expect(isAllowedHost('www.example.com', ['example.com'])).toBe(false);
    expect(isAllowedHost('www.example.com', ['.example.com'])).toBe(true);
    expect(isAllowedHost('example.com', ['.example.com'])).toBe(true);
    expect(isAllowedHost('badexample.com', ['.example.com'])).toBe(false);
    expect(isAllowedHost('anything.org', ['*'])).toBe(true);
    expect(isAllowedHost('example.com', [])).toBe(false);
    expect(isAllowedHost('example.com', ['EXAMPLE.com'])).toBe(true);
  });
});
