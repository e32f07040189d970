/** What every model in the zoo declares: its config defaults, training defaults, output head and constructor. */
import type { Module } from '../nn/module.js';

export interface TrainingDefaults {
  optimizer: 'sgd' | 'adam' | 'adamw';
  lr: number;
  batchSize: number;
  epochs: number;
  momentum: number;
  weightDecay: number;
}

/** The shape of the data a model is built for. */
export interface DataShape {
  /** One sample in PyTorch layout, e.g. [1, 28, 28]. */
  sampleShape: number[];
  numClasses: number;
}

export interface ZooModel<C extends object = Record<string, unknown>> {
  name: string;
  description: string;
  /** Mirrors this Python original. */
  pythonOriginal: string;
  /** Documented defaults of the config (burn-style XxxConfig). */
  defaultConfig: C;
  trainingDefaults: TrainingDefaults;
  /** 'softmax': logits over classes, trained with CrossEntropyLoss; 'sign': one score, trained with MSE to ±1. */
  head: 'softmax' | 'sign';
  /**
   * 'classifier' (default): samples -> class logits, trained by the epoch Trainer on a labelled dataset.
   * 'language-model': token ids [B, T] -> next-token logits [B, T, V], trained on a text file (`twinml train --data
   * book.txt`); its DataShape is { sampleShape: [block_size], numClasses: vocab_size }.
   */
  task?: 'classifier' | 'language-model';
  /** The config for a data shape, from defaults and overrides (validates and throws naming the field). */
  resolveConfig(overrides: Partial<C>, data: DataShape): C;
  create(config: C): Module;
}
