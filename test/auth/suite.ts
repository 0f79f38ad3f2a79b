/**
 * The auth app end to end in-process, on one database backend: the real
 * middleware stack, URL table and templates (test/fixtures/auth), the
 * migration applied to a fresh database (tsgate_auth_* on a server).
 */
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { accountMailSettled, createUser, createSuperuser, grantPermission, logoutEverywhere, findUserByEmail, setPassword } from '../../src/runtime/auth/index.js';
import { makeResetToken, checkResetToken, encodeUid } from '../../src/runtime/auth/tokens.js';
import * as initial from '../../src/runtime/auth/migrations/0001_initial.js';
import { configure, resetForTests, settings } from '../../src/runtime/conf/settings.js';
import { closeConnections, connection } from '../../src/runtime/db/index.js';
import { clearExpiredSessions } from '../../src/runtime/middleware/index.js';
import { hashKey, loadSession, loadStoredSession, saveSession } from '../../src/runtime/middleware/session-db.js';
import { outbox } from '../../src/runtime/mail/index.js';
import type { Application } from '../../src/runtime/tsgi/types.js';
import { getWsgiApplication } from '../../src/runtime/wsgi.js';
import { adminQuery, backend as backendNamed, MYSQL_ADMIN_URL, POSTGRES_ADMIN_URL, unavailable, withDatabase } from '../db/services.js';
import { tempDir } from '../helpers/process.js';
import { Browser } from './browser.js';

const FIXTURE = new URL('../fixtures/auth/', import.meta.url);
const PASSWORD = 'correct horse battery staple';

export function defineAuthSuite(name: 'sqlite' | 'postgres' | 'mysql'): void {
  const backend = backendNamed(name);
  let app: Application;
  let cleanup: () => Promise<void> = async () => {};

  vi.setConfig({ testTimeout: 60_000 });

  beforeAll(async () => {
    if (name !== 'sqlite') {
      if (unavailable(backend)) return;
      const database = `tsgate_auth_${randomBytes(5).toString('hex')}`;
      await adminQuery(name, `create database ${database}`);
      process.env.TSGATE_AUTH_TEST_DATABASE_URL = withDatabase(name === 'postgres' ? POSTGRES_ADMIN_URL : MYSQL_ADMIN_URL, database);
      cleanup = () => adminQuery(name, name === 'postgres' ? `drop database if exists ${database} with (force)` : `drop database if exists ${database}`);
    } else {
      const dir = tempDir('tsgate-auth-');
      process.env.TSGATE_AUTH_TEST_DATABASE_URL = `sqlite:///${join(dir, 'auth.sqlite3')}`;
      cleanup = async () => rmSync(dir, { recursive: true, force: true });
    }
    resetForTests();
    await configure('./test/fixtures/auth/settings.ts');
    await initial.up(connection());
    app = await getWsgiApplication({ root: FIXTURE });
    await createSuperuser({ email: 'Admin@Example.COM', password: PASSWORD });
    await createUser({ email: ' ann@example.com ', password: PASSWORD });
  }, 120_000);

  afterAll(async () => {
    await closeConnections();
    resetForTests();
    await cleanup();
  });

  const skip = name !== 'sqlite' && unavailable(backend);

  describe.skipIf(skip)(`tsgate/auth on ${name}`, () => {
    async function loggedIn(email = 'ann@example.com', ip = '127.0.0.1'): Promise<Browser> {
      const browser = new Browser(app, ip);
      const response = await browser.post('/accounts/login/', { email, password: PASSWORD });
      expect(response.status, response.text()).toBe(302);
      return browser;
    }

    it('stores emails normalised and refuses a second account for the same address', async () => {
      const admin = await findUserByEmail('admin@example.com');
      expect(admin?.email).toBe('Admin@example.com');
      expect(admin?.isSuperuser && admin.isStaff).toBe(true);
      expect((await findUserByEmail('ANN@EXAMPLE.COM'))?.email).toBe('ann@example.com');
      await expect(createUser({ email: 'Ann@example.com', password: PASSWORD })).rejects.toThrow(/exists already/);
      await expect(createUser({ email: 'not an address' })).rejects.toThrow(/is not an email address/);
      expect((await findUserByEmail('ann@example.com'))?.password).toMatch(/^\$argon2id\$v=19\$m=19456,t=10,p=1\$/);
    });

    it('logs in with the right password: 302, a new session key (no fixation), the user on the next request', async () => {
      const browser = new Browser(app);
      await browser.get('/accounts/login/');
      // A session planted before login (by an attacker, or an anonymous visit) must not survive it.
      await browser.post('/accounts/password_reset/', { email: 'nobody@example.com' });
      const anonymousKey = browser.cookies.get('sessionid');
      const response = await browser.post('/accounts/login/', { email: 'ann@example.com', password: PASSWORD, next: '/private/' });
      expect(response.status).toBe(302);
      expect(response.header('location')).toBe('/private/');
      const key = browser.cookies.get('sessionid');
      expect(key).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(key).not.toBe(anonymousKey);
      expect((await browser.get('/private/')).text()).toBe('hello ann@example.com');
      expect((await browser.get('/whoami/')).text().trim()).toBe('user=ann@example.com');
      // The key is stored only as its hash.
      const rows = await connection().selectFrom('auth_session' as never).select('session_key' as never).execute();
      expect(JSON.stringify(rows)).not.toContain(key);
    });

    it('a wrong password and an unknown email answer the same, with no session', async () => {
      const wrong = await new Browser(app, '10.0.0.1').post('/accounts/login/', { email: 'ann@example.com', password: 'wrong password!' });
      const unknown = await new Browser(app, '10.0.0.2').post('/accounts/login/', { email: 'nobody@example.com', password: 'wrong password!' });
      expect(wrong.status).toBe(400);
      expect(unknown.status).toBe(400);
      const strip = (html: string) => html.replace(/value="[^"]*"/g, '');
      expect(strip(unknown.text()).replace('nobody@example.com', 'ann@example.com')).toBe(strip(wrong.text()));
      expect(wrong.text()).toContain('do not match an account');
      for (const response of [wrong, unknown]) expect(response.headers.some(([key, value]) => key === 'Set-Cookie' && value.startsWith('sessionid='))).toBe(false);
    });

    it('loginRequired sends a visitor to LOGIN_URL with next, and login goes back there', async () => {
      const browser = new Browser(app);
      const response = await browser.get('/private/?page=2');
      expect(response.status).toBe(302);
      expect(response.header('location')).toBe('/accounts/login/?next=%2Fprivate%2F%3Fpage%3D2');
      const page = await browser.get(response.header('location') ?? '');
      expect(page.text()).toContain('name="next" value="/private/?page&#x3D;2"');
    });

    it.each([
      ['https://evil.example/', '/'],
      ['//evil.example/', '/'],
      ['/\\evil.example/', '/'],
      ['http://testserver/private/', 'http://testserver/private/'],
      ['javascript:alert(1)', '/'],
      ['/private/\r\nSet-Cookie: x=y', '/'],
      ['http://user@evil.example@testserver/', '/'],
    ])('next=%j after login redirects to %j (no open redirect)', async (next, expected) => {
      const browser = new Browser(app);
      const response = await browser.post('/accounts/login/', { email: 'ann@example.com', password: PASSWORD, next });
      expect(response.status).toBe(302);
      expect(response.header('location')).toBe(expected);
    });

    it('logout is POST only, deletes the session, and the old cookie no longer works', async () => {
      const browser = await loggedIn();
      const stolen = browser.cookies.get('sessionid') ?? '';
      expect((await browser.get('/accounts/logout/')).status).toBe(405);
      const response = await browser.post('/accounts/logout/', {});
      expect(response.status).toBe(302);
      expect(browser.cookies.has('sessionid')).toBe(false);
      const replay = new Browser(app);
      replay.cookies.set('sessionid', stolen);
      expect((await replay.get('/private/')).status).toBe(302);
    });

    it('a request that was running when its session was deleted does not bring it back', async () => {
      const browser = await loggedIn();
      const key = browser.cookies.get('sessionid') ?? '';
      const data = await loadSession(key);
      expect(data).toBeDefined();
      // As a request that loaded the session before a logout elsewhere, and saves it after.
      expect(await logoutEverywhere((await findUserByEmail('ann@example.com'))!)).toBeGreaterThanOrEqual(1);
      expect(await saveSession(key, { ...data, visits: 2 }, 3600, true)).toBe(false);
      expect(await loadSession(key)).toBeUndefined();
      expect((await browser.get('/private/')).status).toBe(302);
    });

    it('a save writes only what changed: nothing for the same data, the data alone while the expiry is fresh, the expiry once it lags', async () => {
      const browser = await loggedIn();
      const key = browser.cookies.get('sessionid') ?? '';
      const sessions = connection() as unknown as import('kysely').Kysely<{ auth_session: { session_key: string; session_data: string; expire_at: number } }>;
      const row = async () => {
        const found = await sessions.selectFrom('auth_session').select(['session_data', 'expire_at']).where('session_key', '=', hashKey(key)).executeTakeFirstOrThrow();
        return { data: JSON.parse(found.session_data) as Record<string, unknown>, expireAt: Number(found.expire_at) };
      };
      const stored = await loadStoredSession(key);
      expect(stored).toBeDefined();
      const { data } = stored!;
      const before = await row();
      const hour = 3600;
      const fresh = () => Date.now() + hour * 1000;

      // As loaded (same JSON), expiry fresh: no statement; the row keeps what it had.
      const same = { ...data, visits: 7 };
      expect(await saveSession(key, same, hour, true, { data, json: JSON.stringify(same), expireAt: fresh() })).toBe(true);
      expect(await row()).toEqual(before);

      // The data changed, the expiry fresh: the data is written, the expiry kept.
      expect(await saveSession(key, { ...data, visits: 8 }, hour, true, { ...stored!, expireAt: fresh() })).toBe(true);
      expect(await row()).toEqual({ data: { ...data, visits: 8 }, expireAt: before.expireAt });

      // The stored expiry two minutes behind: both move (the user stays).
      const start = Date.now();
      expect(await saveSession(key, { ...data, visits: 9 }, hour, true, { ...stored!, expireAt: fresh() - 120_000 })).toBe(true);
      const moved = await row();
      expect(moved.data).toEqual({ ...data, visits: 9 });
      expect(moved.expireAt).toBeGreaterThanOrEqual(start + hour * 1000);
      expect((await browser.get('/private/')).status).toBe(200);
    });

    it('every POST needs the CSRF token', async () => {
      const browser = await loggedIn();
      for (const target of ['/accounts/login/', '/accounts/logout/', '/accounts/password_change/', '/accounts/password_reset/', '/accounts/signup/']) {
        const response = await browser.post(target, { email: 'ann@example.com', password: PASSWORD }, { csrf: false });
        expect(response.status, target).toBe(403);
      }
      expect((await browser.get('/private/')).status).toBe(200);
    });

    it('"log out everywhere" ends every session of the user', async () => {
      const [phone, laptop] = [await loggedIn(), await loggedIn()];
      const ann = await findUserByEmail('ann@example.com');
      expect(await logoutEverywhere(ann!)).toBeGreaterThanOrEqual(2);
      expect((await phone.get('/private/')).status).toBe(302);
      expect((await laptop.get('/private/')).status).toBe(302);
    });

    it('throttles per account after LOGIN_FAILURES_PER_ACCOUNT failures: 429 with Retry-After, unknown emails alike', async () => {
      await createUser({ email: 'bob@example.com', password: PASSWORD });
      for (const email of ['bob@example.com', 'ghost@example.com']) {
        for (let attempt = 0; attempt < 3; attempt += 1) {
          const response = await new Browser(app, `10.1.0.${attempt}`).post('/accounts/login/', { email, password: 'not the password' });
          expect(response.status).toBe(400);
        }
        // Even the right password waits: a guesser cannot tell when it got it right.
        const blocked = await new Browser(app, '10.1.1.1').post('/accounts/login/', { email, password: PASSWORD });
        expect(blocked.status, email).toBe(429);
        expect(Number(blocked.header('retry-after'))).toBeGreaterThan(800);
        expect(blocked.text()).toContain('Too many failed logins');
      }
    });

    it('throttles per client IP after LOGIN_FAILURES_PER_IP failures across accounts', async () => {
      const ip = '10.2.0.1';
      for (let attempt = 0; attempt < 6; attempt += 1) {
        expect((await new Browser(app, ip).post('/accounts/login/', { email: `user${attempt}@example.com`, password: 'guess' })).status).toBe(400);
      }
      expect((await new Browser(app, ip).post('/accounts/login/', { email: 'admin@example.com', password: PASSWORD })).status).toBe(429);
      expect((await new Browser(app, '10.2.0.2').post('/accounts/login/', { email: 'admin@example.com', password: PASSWORD })).status).toBe(302);
    });

    it('staffRequired and permissionRequired: login for visitors, 403 without the right', async () => {
      expect((await new Browser(app).get('/staff/')).status).toBe(302);
      const ann = await loggedIn();
      expect((await ann.get('/staff/')).status).toBe(403);
      expect((await ann.get('/reports/')).status).toBe(403);
      await grantPermission((await findUserByEmail('ann@example.com'))!, 'reports.view');
      expect((await ann.get('/reports/')).status).toBe(200);
      const admin = await loggedIn('admin@example.com');
      expect((await admin.get('/staff/')).text()).toBe('staff only');
      expect((await admin.get('/reports/')).status).toBe(200);
    });

    it('password change checks the old password and the validators, then logs out the other sessions', async () => {
      await createUser({ email: 'carol@example.com', password: PASSWORD });
      const [here, elsewhere] = [await loggedIn('carol@example.com'), await loggedIn('carol@example.com')];
      const form = { old_password: PASSWORD, new_password1: 'qwerty', new_password2: 'qwerty' };
      const weak = await here.post('/accounts/password_change/', form);
      expect(weak.status).toBe(400);
      expect(weak.text()).toContain('too short');
      expect(weak.text()).toContain('one of the most common passwords');
      const wrongOld = await here.post('/accounts/password_change/', { ...form, old_password: 'nope', new_password1: 'a fresh long one', new_password2: 'a fresh long one' });
      expect(wrongOld.text()).toContain('entered incorrectly');
      const done = await here.post('/accounts/password_change/', { old_password: PASSWORD, new_password1: 'a fresh long one', new_password2: 'a fresh long one' });
      expect(done.status).toBe(302);
      expect((await here.get('/private/')).status).toBe(200);
      expect((await elsewhere.get('/private/')).status).toBe(302);
      await setPassword((await findUserByEmail('carol@example.com'))!, PASSWORD);
    });

    it('password reset: an email with a link, the token out of the URL, a new password, then the link is dead', async () => {
      await createUser({ email: 'dave@example.com', password: PASSWORD });
      outbox.length = 0;
      const browser = new Browser(app);
      const asked = await browser.post('/accounts/password_reset/', { email: 'DAVE@example.com' });
      expect(asked.header('location')).toBe('/accounts/password_reset/done/');
      // An unknown address answers the same and sends nothing.
      expect((await browser.post('/accounts/password_reset/', { email: 'nobody@example.com' })).header('location')).toBe('/accounts/password_reset/done/');
      // The email goes off the request path (auth/mail.ts); wait for it.
      await accountMailSettled();
      expect(outbox).toHaveLength(1);
      const message = outbox[0]!;
      expect(message.to).toEqual(['dave@example.com']);
      expect(message.subject).toBe('Password reset on testserver');
      const link = /http:\/\/testserver(\/accounts\/reset\/\S+)/.exec(message.text ?? '')?.[1] ?? '';
      expect(link).toMatch(/^\/accounts\/reset\/[\w-]+\/[0-9a-z]+-[\w-]{43}\/$/);
      const opened = await browser.get(link);
      expect(opened.status).toBe(302);
      const setPage = opened.header('location') ?? '';
      expect(setPage).toMatch(/\/set-password\/$/);
      expect((await browser.get(setPage)).text()).toContain('Set a new password');
      const mismatch = await browser.post(setPage, { new_password1: 'brand new secret', new_password2: 'brand new secrets' });
      expect(mismatch.text()).toContain("don&#x27;t match");
      const set = await browser.post(setPage, { new_password1: 'brand new secret', new_password2: 'brand new secret' });
      expect(set.header('location')).toBe('/accounts/reset/done/');
      // Single use: the same link again is refused.
      const again = await new Browser(app).get(link);
      expect(again.status).toBe(400);
      expect(again.text()).toContain('This link does not work');
      const login = await new Browser(app, '10.3.0.1').post('/accounts/login/', { email: 'dave@example.com', password: 'brand new secret' });
      expect(login.status).toBe(302);
    });

    it('an address gets at most ACCOUNTS_EMAILS_PER_HOUR accounts emails; the form answers the same after', async () => {
      await createUser({ email: 'fay@example.com', password: PASSWORD });
      outbox.length = 0;
      const browser = new Browser(app, '10.4.0.1');
      const answers = new Set<string | undefined>();
      for (let sent = 0; sent < settings.ACCOUNTS_EMAILS_PER_HOUR + 2; sent++) {
        answers.add((await browser.post('/accounts/password_reset/', { email: sent % 2 ? 'FAY@example.com' : 'fay@example.com' })).header('location'));
      }
      expect([...answers]).toEqual(['/accounts/password_reset/done/']);
      await accountMailSettled();
      expect(outbox.map((message) => message.to[0])).toEqual(Array(settings.ACCOUNTS_EMAILS_PER_HOUR).fill('fay@example.com'));
    });

    it('reset tokens expire after PASSWORD_RESET_TIMEOUT and are bound to the user', async () => {
      const ann = (await findUserByEmail('ann@example.com'))!;
      const admin = (await findUserByEmail('admin@example.com'))!;
      const issued = Date.now();
      const token = makeResetToken(ann, issued);
      expect(checkResetToken(ann, token, issued + 1000)).toBe(true);
      expect(checkResetToken(ann, token, issued + 3 * 86400 * 1000 + 2000)).toBe(false);
      expect(checkResetToken(admin, token, issued)).toBe(false);
      expect(checkResetToken(ann, token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A'), issued)).toBe(false);
      const stale = await new Browser(app).get(`/accounts/reset/${encodeUid(ann.id)}/${makeResetToken(ann, issued - 4 * 86400 * 1000)}/`);
      expect(stale.status).toBe(400);
    });

    it('signup answers the same for a new and a taken email; the account is made only from the emailed link', async () => {
      outbox.length = 0;
      const browser = new Browser(app);
      const invalid = await browser.post('/accounts/signup/', { email: 'not an address' });
      expect(invalid.status).toBe(400);
      const fresh = await browser.post('/accounts/signup/', { email: ' Erin@Example.com ' });
      const taken = await new Browser(app).post('/accounts/signup/', { email: 'ANN@example.com' });
      for (const response of [fresh, taken]) {
        expect(response.status).toBe(302);
        expect(response.header('location')).toBe('/accounts/signup/done/');
      }
      expect((await browser.get('/accounts/signup/done/')).text()).toContain('Check your email');
      expect(await findUserByEmail('erin@example.com')).toBeUndefined();
      await accountMailSettled();
      expect(outbox.map((message) => [message.to[0], message.subject])).toEqual([
        ['Erin@example.com', 'Finish signing up on testserver'],
        ['ann@example.com', 'Your account on testserver'],
      ]);
      const [confirm, existing] = outbox;
      expect(existing?.text).toContain('http://testserver/accounts/login/');
      expect(existing?.text).toContain('http://testserver/accounts/password_reset/');
      expect(existing?.text).not.toMatch(/signup\/confirm/);
      const link = /http:\/\/testserver(\/accounts\/signup\/confirm\/\S+)/.exec(confirm?.text ?? '')?.[1] ?? '';
      expect(link).toMatch(/^\/accounts\/signup\/confirm\/[\w-]+\/[0-9a-z]+-[\w-]{43}\/$/);
      // A forged token for another address is refused.
      const forged = link.replace(/confirm\/[\w-]+\//, `confirm/${Buffer.from('mallory@example.com').toString('base64url')}/`);
      expect((await new Browser(app).get(forged)).status).toBe(400);
      const opened = await browser.get(link);
      expect(opened.status).toBe(302);
      const setPage = opened.header('location') ?? '';
      expect(setPage).toMatch(/\/set-password\/$/);
      // Without the session the link put the token in, the page refuses.
      expect((await new Browser(app).get(setPage)).status).toBe(400);
      const similar = await browser.post(setPage, { new_password1: 'erin.example2024', new_password2: 'erin.example2024' });
      expect(similar.text()).toContain('too similar to your email address');
      expect(await findUserByEmail('erin@example.com')).toBeUndefined();
      const made = await browser.post(setPage, { new_password1: 'quiet purple lake', new_password2: 'quiet purple lake' });
      expect(made.status).toBe(302);
      expect((await browser.get('/private/')).text()).toBe('hello Erin@example.com');
      // Single use: the account exists now, so the link is dead.
      expect((await new Browser(app).get(link)).status).toBe(400);
    });

    it('clearsessions removes expired sessions only', async () => {
      await loggedIn();
      const sessions = connection() as unknown as import('kysely').Kysely<{ auth_session: { expire_at: number } }>;
      await sessions.updateTable('auth_session').set({ expire_at: 1 }).execute();
      await loggedIn();
      expect(await clearExpiredSessions()).toBeGreaterThanOrEqual(1);
      const left = await sessions.selectFrom('auth_session').select('expire_at').execute();
      expect(left.length).toBeGreaterThanOrEqual(1);
      expect(left.every((row) => Number(row.expire_at) > Date.now())).toBe(true);
    });

    it("a Django pbkdf2_sha256 hash logs in once, then is stored as argon2id", async () => {
      const user = await createUser({ email: 'legacy@example.com' });
      expect(user.hasUsablePassword).toBe(false);
      const django = 'pbkdf2_sha256$260000$seasalt$YlZ2Vggtqdc61YjArZuoApoBh9JNGYoDRBUGu6tcJQo=';
      const users = connection() as unknown as import('kysely').Kysely<{ auth_user: { email: string; password: string } }>;
      await users.updateTable('auth_user').set({ password: django }).where('email', '=', 'legacy@example.com').execute();
      const response = await new Browser(app, '10.4.0.1').post('/accounts/login/', { email: 'legacy@example.com', password: 'lètmein' });
      expect(response.status).toBe(302);
      expect((await findUserByEmail('legacy@example.com'))?.password).toMatch(/^\$argon2id\$v=19\$m=19456,t=10,p=1\$/);
      expect((await new Browser(app, '10.4.0.2').post('/accounts/login/', { email: 'legacy@example.com', password: 'lètmein' })).status).toBe(302);
    });

    it('the migration goes down and up again', async () => {
      await initial.down(connection());
      await initial.up(connection());
      expect(await findUserByEmail('ann@example.com')).toBeUndefined();
    });
  });
}
