/**
 * `manage changepassword EMAIL`: asks twice for the new password without
 * echo, checks it with the validators and stores its hash; every session
 * of the user is logged out by the change (their session hash).
 */
import { findUserByEmail, setPassword } from '../../auth/users.js';
import { configure } from '../../conf/settings.js';
import { closeConnections } from '../../db/connections.js';
import { CommandError, type Command } from '../base.js';
import { canAsk } from '../prompt.js';
import { askNewPassword, requireAuth } from '../users.js';

const command: Command = {
  help: "Changes a user's password (asked twice on the terminal, never echoed).",
  args: 'EMAIL',
  options: {},
  async handle(args) {
    const [email, extra] = args.positionals;
    if (!email || extra !== undefined) throw new CommandError('Give one user, by email: changepassword EMAIL', 2);
    const settings = await configure();
    requireAuth(settings);
    try {
      const user = await findUserByEmail(email);
      if (!user) throw new CommandError(`There is no user with the email ${JSON.stringify(email.slice(0, 100))}.`);
      if (!canAsk()) throw new CommandError('changepassword asks for the password on a terminal, and stdin is not one.');
      process.stdout.write(`Changing the password of ${user.email}\n`);
      await setPassword(user, await askNewPassword(user.email, settings));
      process.stdout.write(`Password changed for ${user.email}; their sessions are logged out.\n`);
      return 0;
    } finally {
      await closeConnections();
    }
  },
};

export default command;
