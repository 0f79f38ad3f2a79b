/**
 * What createsuperuser and changepassword share: tsgate.auth must be
 * installed, and a new password is asked twice without echo and checked by
 * the validators, each problem shown, until one passes (three tries).
 */
import { validatePassword } from '../auth/passwords/validators.js';
import type { Settings } from '../conf/types.js';
import { CommandError } from './base.js';
import { askHidden } from './prompt.js';

export function requireAuth(settings: Readonly<Settings>): void {
  if (!settings.INSTALLED_APPS.includes('tsgate.auth')) {
    throw new CommandError("tsgate.auth is not installed: add 'tsgate.auth' to INSTALLED_APPS, then run migrate.");
  }
}

/** Problems with a password, as one message for a CommandError. */
export function passwordProblems(password: string, email: string, settings: Readonly<Settings>): string | undefined {
  const problems = validatePassword(password, { email, minLength: settings.AUTH_PASSWORD_MIN_LENGTH });
  return problems.length === 0 ? undefined : problems.join('\n');
}

export async function askNewPassword(email: string, settings: Readonly<Settings>): Promise<string> {
  for (let attempt = 1; attempt <= 3; attempt += 1) {
    const password = await askHidden('Password: ');
    const again = await askHidden('Password (again): ');
    if (password !== again) {
      process.stderr.write("Error: Your passwords didn't match.\n");
      continue;
    }
    const problems = passwordProblems(password, email, settings);
    if (!problems) return password;
    process.stderr.write(`${problems}\n`);
  }
  throw new CommandError('Aborting: no acceptable password after three tries.');
}
