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
 * The send runs in the process that answered; a worker that stops
 * gracefully waits for its open connections, not for these, so
 * `accountMailSettled()` is there for a command or test that must know the
 * mail has gone.
 */
import { logger } from '../logging/index.js';
import { sendTemplatedMail, type TemplatedMail } from '../mail/index.js';

const pending = new Set<Promise<void>>();

/**
 * Starts sending `mail` and returns at once. `what` names the email in the
 * log line if it fails ("password reset"); the message and its context are
 * never logged.
 */
export function sendAccountMail(what: string, mail: TemplatedMail): void {
  const sending: Promise<void> = sendTemplatedMail(mail).then(
    () => undefined,
    (error: unknown) => {
      logger.error(`${what}: the email could not be sent: ${error instanceof Error ? error.message : String(error)}`, { logger: 'tsgate.auth' });
    },
  );
  pending.add(sending);
  void sending.finally(() => pending.delete(sending));
}

/** Resolves when every accounts email started so far has been sent or has failed (and been logged). */
export async function accountMailSettled(): Promise<void> {
  while (pending.size > 0) await Promise.all([...pending]);
}
