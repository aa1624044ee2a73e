import { ConfigError } from './config.js';
import { buildInfo } from './build-info.js';
import { serve } from './serve.js';
import { demo } from '../db/seed.js';
import { backup } from '../db/backup.js';
import { restore } from '../db/restore.js';
import { migrateCommand } from '../db/migrate.js';

/**
 * The one entry behind `node dist/server/main.js` and the packaged `debrief` file: its commands
 * are a contract (docs/operations.md). Each is a function (no top-level await, so one CommonJS
 * bundle can hold them all); every one takes the server's environment variables.
 */
const USAGE = `Usage: debrief [command]

Commands:
  serve          Run the portal (the default)
  demo           Fill an empty data folder with a demo firm and print its sign-ins
  backup FILE    Back up the data, online, to FILE (one tar archive)
  restore FILE   Restore a backup into an empty DATA_DIR
  migrate        Apply pending database migrations and list them
  version        Print the version, build id, commit and Node version
  --help         Print this help

Configuration is by environment variables (DATA_DIR defaults to ./data); see the README.
`;

type Command = (args: string[]) => Promise<void>;

const COMMANDS: Record<string, Command> = {
  serve: () => serve(),
  demo: () => demo(),
  backup,
  restore,
  migrate: () => migrateCommand(),
  version: async () => {
    const b = buildInfo();
    process.stdout.write(`debrief ${b.version} (build ${b.buildId}, commit ${b.commit}, Node ${process.version})\n`);
  },
  '--help': async () => void process.stdout.write(USAGE),
};
COMMANDS.help = COMMANDS['--help']!;
COMMANDS['-h'] = COMMANDS['--help']!;

/** Run the command `argv` names (none: serve). An unknown one exits 2 with the usage; a bad setting exits 1 with its line. */
export async function runCli(argv: string[]): Promise<void> {
  const [name = 'serve', ...args] = argv;
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!command) {
    process.stderr.write(`Unknown command: ${name}\n\n${USAGE}`);
    process.exit(2);
  }
  try {
    await command(args);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
}
