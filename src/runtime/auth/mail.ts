/**
 * The accounts emails (a reset link, a signup confirmation, "someone tried
 * to sign up with your address"), sent off the request path.
 *
 * Why: the reset and signup forms answer the same for an address with an
 * account and one without. If the answer waited for the SMTP server only
 * when there is an account to write to, its time would tell which addresses
 * have accounts. So the view starts the send and answers at once; a failure
 * is logged (the error's message only: never the link, which is a
 * credential) and the page still says "check your email".
 *
 * An address gets at most ACCOUNTS_EMAILS_PER_HOUR of them: the forms
 * answer anyone, and without a limit anyone could make the site write to
 * any address as often as they post. The count is a tsgate/ratelimit
 * counter in the default cache (shared by every worker when the cache is
 * Redis or the database), taken off the request path too, so a limited
 * address gets the same answer in the same time; the skipped email is
 * logged without its address.
 *
 * The send runs in the process that answered; a worker that stops
 * gracefully waits for its open connections, not for these, so
 * `accountMailSettled()` is there for a command or test that must know the
 * mail has gone.
 */
import { settings } from '../conf/settings.js';
import { logger } from '../logging/index.js';
import { sendTemplatedMail, type TemplatedMail } from '../mail/index.js';
import { hit } from '../ratelimit/index.js';

const pending = new Set<Promise<void>>();

/**
 * Starts sending `mail` and returns at once. `what` names the email in the
 * log line if it fails ("password reset"); the message and its context are
 * never logged.
 */
export function sendAccountMail(what: string, mail: TemplatedMail): void {
  const sending: Promise<void> = withinLimit(what, mail)
    .then((allowed) => (allowed ? sendTemplatedMail(mail) : undefined))
    .then(
      () => undefined,
    (error: unknown) => {
      logger.error(`${what}: the email could not be sent: ${error instanceof Error ? error.message : String(error)}`, { logger: 'tsgate.auth' });
    },
  );
  pending.add(sending);
  void sending.finally(() => pending.delete(sending));
}

/** Counts this email against its address's hourly limit; false (and a warning) over it. */
async function withinLimit(what: string, mail: TemplatedMail): Promise<boolean> {
  const perHour = settings.ACCOUNTS_EMAILS_PER_HOUR;
  if (perHour === 0) return true;
  const to = [mail.to ?? []].flat().join(',').toLowerCase();
  const state = await hit({ key: to, rate: { limit: perHour, window: 3600, text: `${perHour}/h` }, group: 'tsgate.auth.mail' });
  if (state.limited) logger.warning(`${what}: not sent: its address had ${perHour} accounts emails this hour (ACCOUNTS_EMAILS_PER_HOUR)`, { logger: 'tsgate.auth' });
  return !state.limited;
}

/** Resolves when every accounts email started so far has been sent or has failed (and been logged). */
export async function accountMailSettled(): Promise<void> {
  while (pending.size > 0) await Promise.all([...pending]);
}
