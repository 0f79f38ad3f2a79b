/**
 * `--forwarded-allow-ips`: X-Forwarded-For/-Proto/-Host set
 * REMOTE_ADDR, wsgi.url_scheme and the host only when the peer is trusted.
 * TrustedProxies is tested directly first, then through the server on real
 * sockets, where the echo app reports what its environ says.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { OptionError } from '../../src/runtime/server/options.js';
import { TrustedProxies } from '../../src/runtime/server/proxy.js';
import { ensureBuilt, freePort, request } from './helpers.js';
import { startEchoServer, stopEchoServers } from './options-helpers.js';

describe('TrustedProxies', () => {
  it('trusts exact IPv4 and IPv6 addresses and nothing else', () => {
    const proxies = new TrustedProxies(['127.0.0.1', '::1']);
    expect(proxies.trusts('127.0.0.1')).toBe(true);
    expect(proxies.trusts('::1')).toBe(true);
    expect(proxies.trusts('127.0.0.2')).toBe(false);
    expect(proxies.trusts('::2')).toBe(false);
    expect(proxies.trusts('10.0.0.1')).toBe(false);
    expect(proxies.trusts('not-an-ip')).toBe(false);
    expect(proxies.trusts('')).toBe(false);
  });

  it('trusts IPv4 CIDR ranges to their exact edges', () => {
    const proxies = new TrustedProxies(['10.0.0.0/8', '192.168.1.0/24', '203.0.113.7/32']);
    expect(proxies.trusts('10.0.0.0')).toBe(true);
    expect(proxies.trusts('10.255.255.255')).toBe(true);
    expect(proxies.trusts('11.0.0.0')).toBe(false);
    expect(proxies.trusts('9.255.255.255')).toBe(false);
    expect(proxies.trusts('192.168.1.200')).toBe(true);
    expect(proxies.trusts('192.168.2.1')).toBe(false);
    expect(proxies.trusts('203.0.113.7')).toBe(true);
    expect(proxies.trusts('203.0.113.8')).toBe(false);
  });

  it('trusts IPv6 CIDR ranges', () => {
    const proxies = new TrustedProxies(['2001:db8::/32', 'fd00::/8']);
    expect(proxies.trusts('2001:db8::1')).toBe(true);
    expect(proxies.trusts('2001:db8:ffff:ffff::1')).toBe(true);
    expect(proxies.trusts('2001:db9::1')).toBe(false);
    expect(proxies.trusts('fdab::1')).toBe(true);
    expect(proxies.trusts('fe80::1')).toBe(false);
    expect(proxies.trusts('10.0.0.1')).toBe(false);
  });

  it('matches ::ffff:-mapped IPv4 peers (how a dual-stack socket reports them) against IPv4 entries', () => {
    const proxies = new TrustedProxies(['127.0.0.1', '10.0.0.0/8']);
    expect(proxies.trusts('::ffff:127.0.0.1')).toBe(true);
    expect(proxies.trusts('::ffff:10.1.2.3')).toBe(true);
    expect(proxies.trusts('::ffff:11.1.2.3')).toBe(false);
    expect(proxies.trusts('::ffff:127.0.0.2')).toBe(false);
  });

  it('`*` trusts any peer; a unix-socket peer (no address) is always trusted', () => {
    const any = new TrustedProxies(['*']);
    expect(any.trusts('198.51.100.1')).toBe(true);
    expect(any.trusts('2001:db8::1')).toBe(true);
    const none = new TrustedProxies([]);
    expect(none.trusts('127.0.0.1')).toBe(false);
    expect(none.trusts(undefined)).toBe(true);
  });

  it("with `*` the client is the hop the trusted peer saw, never one the client wrote", () => {
    const any = new TrustedProxies(['*']);
    expect(any.resolve('10.0.0.5', { for: '1.2.3.4, 203.0.113.9' }).remoteAddr).toBe('203.0.113.9');
    const listed = new TrustedProxies(['10.0.0.0/8']);
    expect(listed.resolve('10.0.0.5', { for: '1.2.3.4, 203.0.113.9, 10.0.0.7' }).remoteAddr).toBe('203.0.113.9');
  });

  it.each([
    'nonsense',
    '',
    'localhost',
    '256.0.0.1',
    '10.0.0.0/33',
    '10.0.0.0/-1',
    '10.0.0.0/x',
    '10.0.0.1/',
    '10.0.0.0/8/9',
    '10.0.0.0/0x8',
    '10.0.0.0/ 8',
    '::/129',
    '2001:db8::/',
    '*.example.com',
  ])('rejects %j with an OptionError naming the flag', (entry) => {
    expect(() => new TrustedProxies(['127.0.0.1', entry])).toThrow(OptionError);
    expect(() => new TrustedProxies([entry])).toThrow(/--forwarded-allow-ips: /);
  });

  it('resolves the client as the rightmost X-Forwarded-For hop that is not a trusted proxy', () => {
    const proxies = new TrustedProxies(['127.0.0.1', '10.0.0.0/8']);
    expect(proxies.resolve('127.0.0.1', { for: '203.0.113.7' })).toEqual({ remoteAddr: '203.0.113.7' });
    expect(proxies.resolve('127.0.0.1', { for: 'spoofed, 203.0.113.7' })).toEqual({ remoteAddr: '203.0.113.7' });
    expect(proxies.resolve('127.0.0.1', { for: '198.51.100.1, 203.0.113.7, 10.1.1.1' })).toEqual({ remoteAddr: '203.0.113.7' });
    // Every hop a proxy: the leftmost is as far as the chain goes.
    expect(proxies.resolve('127.0.0.1', { for: '10.2.2.2, 10.1.1.1' })).toEqual({ remoteAddr: '10.2.2.2' });
    expect(proxies.resolve('127.0.0.1', { for: ' , ' })).toEqual({});
  });

  it('takes the first X-Forwarded-Proto and -Host values, and only http or https as a scheme', () => {
    const proxies = new TrustedProxies(['127.0.0.1']);
    expect(proxies.resolve('127.0.0.1', { proto: 'HTTPS, http', host: 'a.example, b.example' })).toEqual({ scheme: 'https', host: 'a.example' });
    expect(proxies.resolve('127.0.0.1', { proto: 'gopher' })).toEqual({});
  });

  it('an untrusted peer gets nothing from its headers', () => {
    const proxies = new TrustedProxies(['10.9.9.9']);
    expect(proxies.resolve('127.0.0.1', { for: '203.0.113.7', proto: 'https', host: 'evil.example' })).toEqual({});
    expect(proxies.resolve('::ffff:127.0.0.1', { for: '203.0.113.7' })).toEqual({});
  });
});

describe('X-Forwarded-* through the server', () => {
  beforeAll(() => ensureBuilt(), 120_000);
  afterEach(() => stopEchoServers());

  const FORWARDED = {
    'X-Forwarded-For': '203.0.113.9',
    'X-Forwarded-Proto': 'https',
    'X-Forwarded-Host': 'www.example.com',
  };

  async function environ(port: number, headers: Record<string, string> = {}, host = '127.0.0.1') {
    const reply = await request({ port, host, path: '/who', headers });
    expect(reply.status).toBe(200);
    return JSON.parse(reply.body) as Record<string, unknown>;
  }

  it('from 127.0.0.1, trusted by default, they set REMOTE_ADDR, wsgi.url_scheme, HTTP_HOST, SERVER_NAME and SERVER_PORT', async () => {
    const { port } = await startEchoServer();
    // Without the headers: what the socket and Host say.
    expect(await environ(port)).toMatchObject({
      REMOTE_ADDR: '127.0.0.1',
      url_scheme: 'http',
      HTTP_HOST: `127.0.0.1:${port}`,
      SERVER_NAME: '127.0.0.1',
      SERVER_PORT: String(port),
      PATH_INFO: '/who',
    });
    expect(await environ(port, FORWARDED)).toMatchObject({
      REMOTE_ADDR: '203.0.113.9',
      url_scheme: 'https',
      HTTP_HOST: 'www.example.com',
      SERVER_NAME: 'www.example.com',
      SERVER_PORT: '443',
    });
    expect(await environ(port, { 'X-Forwarded-Host': 'www.example.com:8443', 'X-Forwarded-Proto': 'https' })).toMatchObject({
      REMOTE_ADDR: '127.0.0.1',
      url_scheme: 'https',
      HTTP_HOST: 'www.example.com:8443',
      SERVER_NAME: 'www.example.com',
      SERVER_PORT: '8443',
    });
  });

  it('a client-written X-Forwarded-For chain cannot choose REMOTE_ADDR: the rightmost untrusted hop wins', async () => {
    const { port } = await startEchoServer();
    expect(await environ(port, { 'X-Forwarded-For': 'spoofed, 203.0.113.7' })).toMatchObject({ REMOTE_ADDR: '203.0.113.7' });
    expect(await environ(port, { 'X-Forwarded-For': '1.2.3.4, 203.0.113.7, 127.0.0.1' })).toMatchObject({ REMOTE_ADDR: '203.0.113.7' });
  });

  it('with --forwarded-allow-ips 10.9.9.9, the same headers from 127.0.0.1 change nothing', async () => {
    const { port } = await startEchoServer({ forwardedAllowIps: ['10.9.9.9'] });
    expect(await environ(port, FORWARDED)).toMatchObject({
      REMOTE_ADDR: '127.0.0.1',
      url_scheme: 'http',
      HTTP_HOST: `127.0.0.1:${port}`,
      SERVER_NAME: '127.0.0.1',
      SERVER_PORT: String(port),
    });
  });

  it('trust follows the peer address: with only ::1 trusted, a client over [::1] is believed and one over 127.0.0.1 is not', async () => {
    const port = await freePort();
    await startEchoServer({
      binds: [
        { host: '127.0.0.1', port },
        { host: '::1', port },
      ],
      forwardedAllowIps: ['::1'],
    });
    expect(await environ(port, FORWARDED, '::1')).toMatchObject({ REMOTE_ADDR: '203.0.113.9', url_scheme: 'https', SERVER_NAME: 'www.example.com' });
    expect(await environ(port, FORWARDED, '127.0.0.1')).toMatchObject({ REMOTE_ADDR: '127.0.0.1', url_scheme: 'http', SERVER_NAME: '127.0.0.1' });
    expect(await environ(port, {}, '::1')).toMatchObject({ REMOTE_ADDR: '::1', HTTP_HOST: `[::1]:${port}`, SERVER_NAME: '[::1]', SERVER_PORT: String(port) });
  });

  it("with '*' any peer is trusted", async () => {
    const { port } = await startEchoServer({ forwardedAllowIps: ['*'] });
    expect(await environ(port, FORWARDED)).toMatchObject({ REMOTE_ADDR: '203.0.113.9', url_scheme: 'https', HTTP_HOST: 'www.example.com' });
  });
});
