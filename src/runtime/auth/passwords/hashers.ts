/**
 * Password hashing. New hashes are argon2id (@node-rs/argon2, which ships
 * its compiled binary inside the npm package) with OWASP's memory and
 * parallelism (19 MiB, p=1) and five times OWASP's floor of passes (t=10
 * for t=2), so that one hash costs ~80 ms of CPU on this project's 2-core
 * machine (t=2: 19 ms, t=4: 33 ms, t=8: 56 ms, t=10: 79 ms by process.cpuUsage
 * under load): slow for a guesser, cheap enough for a login. Passes, not
 * memory, were raised: every concurrent hash holds its memory. Each hash
 * carries its parameters (the PHC string), and one made with other
 * parameters, or in a legacy format, is re-hashed at the next successful
 * login (`needsRehash`).
 *
 * Legacy formats verified: Django's `pbkdf2_sha256$iterations$salt$hash`
 * (so a Django user table can be moved over) and `scrypt$N$r$p$salt$hash`.
 * Every comparison is constant-time.
 */
import { pbkdf2, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';

/** argon2id's cost: memory in KiB, passes, lanes. Changing them upgrades every hash at its next login. */
export const ARGON2_PARAMETERS = { memoryCost: 19_456, timeCost: 10, parallelism: 1 } as const;

/** A password hash that no password matches (Django's set_unusable_password): `!` and random text. */
export const UNUSABLE_PREFIX = '!';

const pbkdf2Async = promisify(pbkdf2);
const scryptAsync = promisify(scrypt) as (password: string, salt: string, keylen: number, options: { N: number; r: number; p: number; maxmem: number }) => Promise<Buffer>;

type Argon2 = typeof import('@node-rs/argon2');
/** Algorithm.Argon2id: the package's enum is a `const enum`, which cannot be imported as a value here. */
const ARGON2ID = 2 as import('@node-rs/argon2').Algorithm;
let argon2: Promise<Argon2> | undefined;

/** Loaded on first use, so a project without users never loads the native module. */
function loadArgon2(): Promise<Argon2> {
  argon2 ??= import('@node-rs/argon2');
  return argon2;
}

function equal(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The PHC string of a new argon2id hash of `password`, with a fresh random salt. */
export async function hashPassword(password: string): Promise<string> {
  const { hash } = await loadArgon2();
  return hash(password, { algorithm: ARGON2ID, ...ARGON2_PARAMETERS });
}

/** A hash no password matches, for users made without one (createsuperuser --noinput without a password). */
export function unusablePassword(): string {
  return UNUSABLE_PREFIX + randomBytes(30).toString('base64url');
}

export function isUsable(encoded: string): boolean {
  return encoded !== '' && !encoded.startsWith(UNUSABLE_PREFIX);
}

export interface Verified {
  valid: boolean;
  /** The hash is valid but made with other parameters or a legacy format: store a new one. */
  needsRehash: boolean;
}

const ARGON2_HEADER = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$/;

async function verifyArgon2(password: string, encoded: string): Promise<Verified> {
  const { verify } = await loadArgon2();
  let valid = false;
  try {
    valid = await verify(encoded, password);
  } catch {
    // A malformed stored hash matches no password.
  }
  const match = ARGON2_HEADER.exec(encoded);
  const current = match !== null && Number(match[1]) === ARGON2_PARAMETERS.memoryCost && Number(match[2]) === ARGON2_PARAMETERS.timeCost && Number(match[3]) === ARGON2_PARAMETERS.parallelism;
  return { valid, needsRehash: valid && !current };
}

/** Django's PBKDF2-SHA256: `pbkdf2_sha256$<iterations>$<salt>$<base64 hash>`. */
async function verifyPbkdf2(password: string, encoded: string): Promise<Verified> {
  const [, iterations, salt, hash] = encoded.split('$');
  const rounds = Number(iterations);
  if (!salt || !hash || !Number.isSafeInteger(rounds) || rounds < 1 || rounds > 10_000_000) return { valid: false, needsRehash: false };
  const expected = Buffer.from(hash, 'base64');
  const derived = await pbkdf2Async(password, salt, rounds, expected.length || 32, 'sha256');
  const valid = equal(derived, expected);
  return { valid, needsRehash: valid };
}

/** scrypt: `scrypt$<N>$<r>$<p>$<salt>$<base64 hash>`. */
async function verifyScrypt(password: string, encoded: string): Promise<Verified> {
  const [, n, r, p, salt, hash] = encoded.split('$');
  const [N, R, P] = [Number(n), Number(r), Number(p)];
  if (!salt || !hash || ![N, R, P].every((value) => Number.isSafeInteger(value) && value > 0) || N > 2 ** 20 || R > 32 || P > 16) return { valid: false, needsRehash: false };
  const expected = Buffer.from(hash, 'base64');
  const derived = await scryptAsync(password, salt, expected.length || 64, { N, r: R, p: P, maxmem: 256 * N * R + 1024 * 1024 });
  const valid = equal(derived, expected);
  return { valid, needsRehash: valid };
}

/** Whether `password` matches the stored hash, and whether the hash should be replaced. */
export async function verifyPassword(password: string, encoded: string): Promise<Verified> {
  if (encoded.startsWith('$argon2id$')) return verifyArgon2(password, encoded);
  if (encoded.startsWith('pbkdf2_sha256$')) return verifyPbkdf2(password, encoded);
  if (encoded.startsWith('scrypt$')) return verifyScrypt(password, encoded);
  // Unusable or unknown: cost the same as a real check, so the answer's timing tells nothing.
  await dummyVerify(password);
  return { valid: false, needsRehash: false };
}

let dummy: Promise<string> | undefined;

/**
 * Runs one argon2id verification against a hash of random bytes: what a
 * login with an unknown email costs, so that it takes as long as a wrong
 * password for a real account (no account enumeration by timing).
 */
export async function dummyVerify(password: string): Promise<void> {
  dummy ??= hashPassword(randomBytes(16).toString('hex'));
  const { verify } = await loadArgon2();
  await verify(await dummy, password).catch(() => false);
}
