export { writeCheckpoint, readCheckpoint, listCheckpoints, latestCheckpoint, checkpointDir, pruneCheckpoints, CHECKPOINTS_DIR, BEST_DIR, type CheckpointContents } from './checkpoint.js';
export { validateTrainerState, type TrainerStateJson } from './trainer-state.js';
export { splitOptimizerState, joinOptimizerState, type OptimizerStateJson } from './optimizer-state.js';
export { CheckpointManager, type CheckpointManagerOptions, type Stateful } from './checkpoint-manager.js';
