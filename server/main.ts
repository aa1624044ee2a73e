import { runCli } from './cli.js';

void runCli(process.argv.slice(2));
