/** `twinml doctor`: what works on this machine, and the command that fixes what does not. */
import type { CommandModule } from 'yargs';

export const doctorCommand: CommandModule<object, { json: boolean }> = {
  command: 'doctor',
  describe: 'Check node, tfjs backends, onnxruntime-node and the Python reference stack; exit 0 when training and inference work',
  builder: (y) => y.option('json', { type: 'boolean', default: false, describe: 'print the findings as JSON' }),
  handler: async (args) => {
    const { runDoctor } = await import('../doctor/run.js');
    process.exitCode = await runDoctor({ json: args.json });
  },
};
