import type { CommandModule } from 'yargs';
import { trainCommand } from './train.js';

/** Every verb. Each module keeps its options here and imports its implementation lazily. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const commands: Array<CommandModule<any, any>> = [trainCommand];
