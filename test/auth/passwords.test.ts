/** Password hashing and validation, without a database. */
import { hash } from '@node-rs/argon2';
import { describe, expect, it } from 'vitest';
import { ARGON2_PARAMETERS, hashPassword, isUsable, unusablePassword, verifyPassword } from '../../src/runtime/auth/passwords/hashers.js';
import { commonPasswords, MAX_PASSWORD_LENGTH, validatePassword } from '../../src/runtime/auth/passwords/validators.js';

// Made by Python's hashlib (an implementation independent of node's): Django's format and test vector.
const DJANGO_PBKDF2 = 'pbkdf2_sha256$260000$seasalt$YlZ2Vggtqdc61YjArZuoApoBh9JNGYoDRBUGu6tcJQo=';
const SCRYPT = 'scrypt$16384$8$1$pepper$tWo2dvTHrso0qBJt9YbDEPO/8fgYIrAy1uVqyvnG10suNPOETPtL940kAC/a/XQ7fOhqLtgpd72jQ/eBt63slw==';

describe('password hashes', () => {
  it('are argon2id PHC strings with the current parameters and a fresh salt', async () => {
    const [one, two] = [await hashPassword('s3cret words'), await hashPassword('s3cret words')];
    expect(one).toMatch(/^\$argon2id\$v=19\$m=19456,t=10,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    expect(one).not.toBe(two);
    expect(await verifyPassword('s3cret words', one)).toEqual({ valid: true, needsRehash: false });
    expect(await verifyPassword('s3cret wordS', one)).toEqual({ valid: false, needsRehash: false });
  });

  it('made with other parameters still verify, and ask to be re-hashed', async () => {
    const old = await hash('s3cret words', { algorithm: 2, memoryCost: 8192, timeCost: 2, parallelism: 1 });
    expect(await verifyPassword('s3cret words', old)).toEqual({ valid: true, needsRehash: true });
    expect(await verifyPassword('other', old)).toEqual({ valid: false, needsRehash: false });
    expect(ARGON2_PARAMETERS.memoryCost).toBeGreaterThanOrEqual(19_456);
  });

  it("verify Django's pbkdf2_sha256 and scrypt legacy hashes, which ask to be re-hashed", async () => {
    expect(await verifyPassword('lètmein', DJANGO_PBKDF2)).toEqual({ valid: true, needsRehash: true });
    expect(await verifyPassword('letmein', DJANGO_PBKDF2)).toEqual({ valid: false, needsRehash: false });
    expect(await verifyPassword('hunter2 is long', SCRYPT)).toEqual({ valid: true, needsRehash: true });
    expect(await verifyPassword('hunter2', SCRYPT)).toEqual({ valid: false, needsRehash: false });
  });

  it('refuse unusable, unknown and malformed hashes', async () => {
    const unusable = unusablePassword();
    expect(isUsable(unusable)).toBe(false);
    expect(isUsable('')).toBe(false);
    expect(await verifyPassword('', unusable)).toEqual({ valid: false, needsRehash: false });
    expect(await verifyPassword('x', 'md5$abc$def')).toEqual({ valid: false, needsRehash: false });
    expect(await verifyPassword('x', '$argon2id$v=19$m=19456,t=10,p=1$broken')).toEqual({ valid: false, needsRehash: false });
    expect(await verifyPassword('x', 'pbkdf2_sha256$999999999$salt$aGFzaA==')).toEqual({ valid: false, needsRehash: false });
    expect(await verifyPassword('x', 'scrypt$1073741824$8$1$salt$aGFzaA==')).toEqual({ valid: false, needsRehash: false });
  });
});

describe('password validators', () => {
  const check = (password: string, email = 'ann.lovelace@example.com') => validatePassword(password, { email, minLength: 8 });

  it('ship at least 20 000 common passwords', () => {
    const list = commonPasswords();
    expect(list.size).toBeGreaterThanOrEqual(20_000);
    for (const common of ['123456', 'password', 'qwerty', 'dragon', 'letmein', 'trustno1']) expect(list.has(common)).toBe(true);
  });

  it('accept a long uncommon password', () => {
    expect(check('violet harbour tram 42')).toEqual([]);
  });

  it.each([
    ['short1x', /too short\. Use at least 8 characters\./],
    ['Password', /one of the most common passwords\. Choose one that is hard to guess/],
    ['  Dragon  ', /most common/],
    ['8675309123', /entirely numeric\. Add letters or symbols\./],
    ['lovelace!!', /too similar to your email address\. Choose one that does not contain it\./],
    ['ann.lovelace@example.com', /too similar/],
  ])('refuse %j, saying what to do', (password, message) => {
    expect(check(password).join('\n')).toMatch(message);
  });

  it('refuse a password past MAX_PASSWORD_LENGTH before any other check', () => {
    expect(check('x'.repeat(MAX_PASSWORD_LENGTH + 1))).toEqual([`This password is too long. Use at most ${MAX_PASSWORD_LENGTH} characters.`]);
  });
});
