/** The training session is a library now (src/train/session.ts); the CLI keeps this import path. */
export * from '../../train/session.js';
