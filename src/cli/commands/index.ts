import type { CommandModule } from 'yargs';
import { trainCommand } from './train.js';
import { exportCommand } from './export.js';
import { predictCommand } from './predict.js';
import { serveCommand } from './serve.js';
import { parityCommand } from './parity.js';
import { benchCommand } from './bench.js';
import { doctorCommand } from './doctor.js';
import { modelsCommand } from './models.js';
import { portCommand } from './port.js';
import { generateCommand } from './generate.js';
import { setupCommand } from './setup.js';

/** Every verb. Each module keeps its options here and imports its implementation lazily. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const commands: Array<CommandModule<any, any>> = [trainCommand, exportCommand, predictCommand, serveCommand, parityCommand, benchCommand, doctorCommand, modelsCommand, generateCommand, portCommand, setupCommand];
