/** `manage clearsessions`: deletes expired database sessions (SESSION_ENGINE 'db'); run it from cron or a scheduled job. */
import { configure } from '../../conf/settings.js';
import { closeConnections } from '../../db/connections.js';
import { clearExpiredSessions } from '../../middleware/session-db.js';
import { sessionEngine } from '../../middleware/sessions.js';
import type { Command } from '../base.js';

const command: Command = {
  help: 'Deletes expired sessions from the database (SESSION_ENGINE db); schedule it daily.',
  options: {},
  async handle() {
    const settings = await configure();
    if (sessionEngine(settings) !== 'db') {
      process.stdout.write('Nothing to clear: sessions are signed cookies (SESSION_ENGINE), which expire in the browser.\n');
      return 0;
    }
    try {
      const count = await clearExpiredSessions();
      process.stdout.write(`Deleted ${count} expired session${count === 1 ? '' : 's'}.\n`);
      return 0;
    } finally {
      await closeConnections();
    }
  },
};

export default command;
