/**
 * `manage createsuperuser [--email EMAIL] [--noinput]`, as Django's: on a
 * terminal it asks for the email and (without echo) the password;
 * `--noinput` takes them from TSGATE_SUPERUSER_EMAIL and
 * TSGATE_SUPERUSER_PASSWORD (Django's DJANGO_SUPERUSER_*), for scripts and
 * containers. Without a password the user gets an unusable one (set it with
 * changepassword or a reset). The password is checked by the validators.
 */
import { createSuperuser, UserError } from '../../auth/users.js';
import { configure } from '../../conf/settings.js';
import { closeConnections } from '../../db/connections.js';
import { CommandError, stringOption, type Command } from '../base.js';
import { ask, canAsk, NOINPUT_OPTIONS, noInput } from '../prompt.js';
import { askNewPassword, passwordProblems, requireAuth } from '../users.js';

const command: Command = {
  help: 'Creates a superuser (staff, every permission): asks on a terminal, or --noinput with TSGATE_SUPERUSER_EMAIL/TSGATE_SUPERUSER_PASSWORD.',
  options: {
    email: { type: 'string', metavar: 'EMAIL', help: "the superuser's email address" },
    ...NOINPUT_OPTIONS,
  },
  async handle(args) {
    const settings = await configure();
    requireAuth(settings);
    try {
      let email = stringOption(args, 'email') ?? '';
      let password: string | undefined;
      if (noInput(args)) {
        email ||= process.env.TSGATE_SUPERUSER_EMAIL ?? '';
        if (!email) throw new CommandError('--noinput needs an email: pass --email or set TSGATE_SUPERUSER_EMAIL.');
        password = process.env.TSGATE_SUPERUSER_PASSWORD || undefined;
        const problems = password === undefined ? undefined : passwordProblems(password, email, settings);
        if (problems) throw new CommandError(`TSGATE_SUPERUSER_PASSWORD is not acceptable:\n${problems}`);
      } else {
        if (!canAsk()) throw new CommandError('stdin is not a terminal: pass --noinput, with TSGATE_SUPERUSER_EMAIL and TSGATE_SUPERUSER_PASSWORD in the environment.');
        email ||= await ask('Email: ');
        password = await askNewPassword(email, settings);
      }
      try {
        const user = await createSuperuser({ email, ...(password === undefined ? {} : { password }) });
        process.stdout.write(`Superuser ${user.email} created${password === undefined ? ' without a usable password (set one with changepassword)' : ''}.\n`);
      } catch (error) {
        if (error instanceof UserError) throw new CommandError(error.message);
        throw error;
      }
      return 0;
    } finally {
      await closeConnections();
    }
  },
};

export default command;
