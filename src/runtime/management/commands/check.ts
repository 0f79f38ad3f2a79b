import { configure } from '../../conf/settings.js';
import { getWsgiApplication } from '../../wsgi.js';
import type { Command } from '../base.js';

const command: Command = {
  help: 'Loads the settings, the URL table and the application, and reports any problem.',
  options: {},
  async handle() {
    await configure();
    await getWsgiApplication();
    process.stdout.write('System check identified no issues (0 silenced).\n');
    return 0;
  },
};

export default command;
