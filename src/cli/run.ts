/**
 * The command line's child-process entry (see src/cli/launch.ts): runs main() with this process's arguments.
 * The launcher holds an IPC channel open; when the launcher dies (SIGKILL included) the channel closes and this
 * process ends the same way, so a killed `twinml` never leaves its command running.
 */
import { main } from './main.js';

if (process.channel) {
  process.channel.unref();
  process.on('disconnect', () => process.kill(process.pid, 'SIGKILL'));
}
await main(process.argv.slice(2));
