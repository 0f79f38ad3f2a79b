/**
 * rateLimit() on a view and as middleware, in-process through the test
 * client, counted in each cache backend: the allowed count passes, the next
 * request gets 429 with Retry-After and the RateLimit-* headers, and keys,
 * methods and groups are counted apart.
 */
import { describe, expect, it } from 'vitest';
import { createApplication, path, text, type Request } from '../../src/runtime/http/index.js';
import { addressBlock, hit, parseRate, peek, rateLimit, reset } from '../../src/runtime/ratelimit/index.js';
import { Client } from '../../src/runtime/test/index.js';
import { RateLimitLoginThrottle } from '../../src/runtime/auth/throttle.js';
import { storeOrSkip, STORE_TITLES, uniqueName, useStores } from '../cache/stores.js';

const stores = useStores();

describe('rates and keys', () => {
  it.each([
    ['10/m', 10, 60],
    ['100/h', 100, 3600],
    ['5/s', 5, 1],
    ['1000/d', 1000, 86_400],
    ['10/5m', 10, 300],
    [' 3 / 30s ', 3, 30],
  ])('reads %s', (text, limit, window) => {
    expect(parseRate(text)).toMatchObject({ limit, window });
  });

  it.each([['10'], ['10/minute'], ['ten/m'], ['0/m'], ['5/0s']])('refuses %s, saying how to write one', (text) => {
    expect(() => parseRate(text)).toThrow(/a rate is COUNT\/PERIOD|at least one/);
  });

  it('counts an IPv6 client by its /64, IPv4 (also mapped) by its address', () => {
    expect(addressBlock('203.0.113.9')).toBe('203.0.113.9');
    expect(addressBlock('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(addressBlock('2001:0db8:0001:0002:ffff:1:2:3')).toBe('2001:db8:1:2::/64');
    expect(addressBlock('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(addressBlock('::ffff:198.51.100.7')).toBe('198.51.100.7');
  });
});

function from(address: string) {
  return { environ: { REMOTE_ADDR: address } };
}

describe.each(STORE_TITLES)('rateLimit counted in %s', (title) => {
  it('lets the allowed count through, then answers 429 with Retry-After and RateLimit-* headers', async ({ skip }) => {
    const { alias } = storeOrSkip(stores, title, skip);
    const group = uniqueName('group_');
    const view = rateLimit({ key: 'ip', rate: '3/h', cache: alias, group })(() => text('hello'));
    const client = new Client(createApplication([path('hello/', view)]));
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) {
      const response = await client.get('/hello/', from('198.51.100.1'));
      statuses.push(response.status);
      expect(response.header('ratelimit-remaining')).toBe(String(2 - i));
    }
    const refused = await client.get('/hello/', from('198.51.100.1'));
    expect(statuses).toEqual([200, 200, 200]);
    expect(refused.status).toBe(429);
    const retryAfter = Number(refused.header('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(3600);
    expect(refused.header('ratelimit-limit')).toBe('3');
    expect(refused.header('ratelimit-remaining')).toBe('0');
    expect(refused.header('ratelimit-reset')).toBe(String(retryAfter));
    expect(refused.header('ratelimit-policy')).toBe('3;w=3600');
    expect(refused.text()).toMatch(/^Too many requests: the limit is 3\/h\. Try again in \d+ s\./);
    // Another client has its own count.
    expect((await client.get('/hello/', from('198.51.100.2'))).status).toBe(200);
    // JSON clients get problem+json.
    const json = await client.get('/hello/', { ...from('198.51.100.1'), headers: { Accept: 'application/json' } });
    expect(json.status).toBe(429);
    expect(json.header('content-type')).toBe('application/problem+json');
    expect(JSON.parse(json.text())).toMatchObject({ status: 429, title: 'Too Many Requests' });
  });

  it('counts many concurrent requests exactly: the limit passes, the rest are refused', async ({ skip }) => {
    const { alias } = storeOrSkip(stores, title, skip);
    const view = rateLimit({ key: 'ip', rate: '25/h', cache: alias, group: uniqueName('group_') })(() => text('ok'));
    const client = new Client(createApplication([path('burst/', view)]));
    const responses = await Promise.all(Array.from({ length: 60 }, () => client.get('/burst/', from('192.0.2.50'))));
    const statuses = responses.map((response) => response.status);
    expect(statuses.filter((status) => status === 200)).toHaveLength(25);
    expect(statuses.filter((status) => status === 429)).toHaveLength(35);
  });

  it('counts only the given methods, by user or by a key function, and as middleware', async ({ skip }) => {
    const { alias } = storeOrSkip(stores, title, skip);
    const login = rateLimit({ key: 'ip', rate: '1/h', methods: ['post'], cache: alias, group: uniqueName('login_') })(() => text('form'));
    const byUser = rateLimit({ key: 'user', rate: '1/h', cache: alias, group: uniqueName('user_') })(() => text('mine'));
    const byHeader = rateLimit({
      key: (request: Request) => request.header('x-api-key'),
      rate: '1/h',
      cache: alias,
      group: uniqueName('api_'),
    })(() => text('api'));
    const site = rateLimit({ key: 'ip', rate: '2/h', cache: alias, group: uniqueName('site_') });
    const app = createApplication(
      [path('login/', login, { methods: ['GET', 'POST'] }), path('mine/', byUser), path('api/', byHeader)],
    );
    const client = new Client(app);
    expect((await client.get('/login/', from('10.0.0.1'))).status).toBe(200);
    expect((await client.get('/login/', from('10.0.0.1'))).status).toBe(200);
    expect((await client.post('/login/', '', from('10.0.0.1'))).status).toBe(200);
    expect((await client.post('/login/', '', from('10.0.0.1'))).status).toBe(429);
    // Nobody signed in: 'user' counts the address.
    expect((await client.get('/mine/', from('10.0.0.2'))).status).toBe(200);
    expect((await client.get('/mine/', from('10.0.0.2'))).status).toBe(429);
    // No key from the function: not limited.
    expect((await client.get('/api/', from('10.0.0.3'))).status).toBe(200);
    expect((await client.get('/api/', from('10.0.0.3'))).status).toBe(200);
    expect((await client.get('/api/', { ...from('10.0.0.3'), headers: { 'X-Api-Key': 'k1' } })).status).toBe(200);
    expect((await client.get('/api/', { ...from('10.0.0.4'), headers: { 'X-Api-Key': 'k1' } })).status).toBe(429);
    const limitedSite = new Client(createApplication([path('a/', () => text('a')), path('b/', () => text('b'))], { middleware: [site] }));
    expect((await limitedSite.get('/a/', from('10.0.0.5'))).status).toBe(200);
    expect((await limitedSite.get('/b/', from('10.0.0.5'))).status).toBe(200);
    const third = await limitedSite.get('/a/', from('10.0.0.5'));
    expect(third.status).toBe(429);
  });

  it('hit, peek and reset count by a key of your own (login throttling by user name)', async ({ skip }) => {
    const { alias } = storeOrSkip(stores, title, skip);
    const options = { key: `login:${uniqueName()}`, rate: '2/h', cache: alias, group: 'login' };
    expect((await peek(options)).limited).toBe(false);
    expect(await hit(options)).toMatchObject({ limited: false, remaining: 1, limit: 2 });
    expect(await hit(options)).toMatchObject({ limited: false, remaining: 0 });
    expect((await peek(options)).limited).toBe(true);
    expect(await hit(options)).toMatchObject({ limited: true, remaining: 0 });
    await reset(options);
    expect(await peek(options)).toMatchObject({ limited: false, remaining: 2 });
    // Another rate on the same key and group has a counter of its own.
    expect(await hit({ ...options, rate: '5/d' })).toMatchObject({ limited: false, remaining: 4 });
  });

  it("tsgate/auth's RateLimitLoginThrottle: locked after the limit for the window's rest, per scope; a reset unlocks", async ({ skip }) => {
    const { alias } = storeOrSkip(stores, title, skip);
    const throttle = new RateLimitLoginThrottle(alias);
    const account = { key: `account:${uniqueName()}@example.com`, limit: 2, window: 3600 };
    const ip = { key: `ip:${uniqueName()}`, limit: 3, window: 3600 };
    expect(await throttle.retryAfter([account, ip])).toBeUndefined();
    await throttle.recordFailure([account, ip]);
    expect(await throttle.retryAfter([account, ip])).toBeUndefined();
    await throttle.recordFailure([account, ip]);
    const wait = await throttle.retryAfter([account, ip]);
    expect(wait).toBeGreaterThan(0);
    expect(wait).toBeLessThanOrEqual(3600);
    expect(await throttle.retryAfter([ip])).toBeUndefined();
    await throttle.reset(account);
    expect(await throttle.retryAfter([account, ip])).toBeUndefined();
  });
});
