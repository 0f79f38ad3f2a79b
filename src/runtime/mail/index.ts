/**
 * tsgate/mail: the project's email. EMAIL_URL chooses the backend
 * (console://, memory://, file:, smtp://, smtps://; see url.ts), and
 * DEFAULT_FROM_EMAIL the sender.
 *
 *     import { sendMail } from 'tsgate/mail';
 *     await sendMail({ to: user.email, subject: 'Welcome', text: 'Hello!' });
 */
export { closeMail, outbox, sendMail, sendTemplatedMail, type TemplatedMail } from './send.js';
export { MailError, type Addresses, type Attachment, type EmailMessage, type SentMessage } from './message.js';
export { MailUrlError, parseMailUrl, type MailTarget, type StartTls } from '../conf/mail-url.js';
