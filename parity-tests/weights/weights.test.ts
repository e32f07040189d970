/**
 * State_dict parity (docs/architecture.md decision 2): TS state_dict -> PyTorch load_state_dict(strict=True) -> TS is
 * bit-exact for every zoo model, PyTorch's own initialisation loads into TS bit-exactly, and missing, extra or
 * mis-shaped keys are errors that list the keys on both sides.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { loadSafetensors, saveSafetensors } from '../../src/io/safetensors.js';
import * as tf from '@tensorflow/tfjs-core';
import type { ParityRow } from '../../src/parity/report.js';
import type { StateDict } from '../../src/util/host-tensor.js';
import { describeParity, expectParity } from '../support/session.js';
import { compareExact } from '../../src/parity/tolerance.js';
import { PARITY_SEED } from '../../src/parity/random.js';
import { buildModel, zooCases } from '../models/zoo-cases.js';

function unprefix(map: StateDict, prefix = 'state.'): StateDict {
  return new Map([...map].filter(([k]) => k.startsWith(prefix)).map(([k, v]) => [k.slice(prefix.length), v]));
}

function prefix(map: StateDict): StateDict {
  return new Map([...map].map(([k, v]) => [`state.${k}`, v]));
}

describeParity('weights: state_dict round trips with PyTorch', (session) => {
  for (const c of zooCases()) {
    it(`${c.label}: TS -> PyTorch load_state_dict(strict=True) -> TS is bit-exact`, async () => {
      const { model, sent } = buildModel(c);
      try {
        const original = model.stateDict();
        const out = await session.py.call<{ loaded: boolean; message?: string; keys: string[] }>('state_dict_roundtrip', { name: c.name, config: c.config }, sent);
        expect(out.result.message ?? '').toBe('');
        expect(out.result.keys).toEqual([...original.keys()]);
        const back = unprefix(out.tensors);
        const ctx = (key: string, leg: string) => ({ subject: 'weights', name: `weights/${c.label}/${leg}/${key}`, backend: tf.getBackend(), seed: PARITY_SEED });
        const rows: ParityRow[] = [];
        for (const [key, value] of original) rows.push(compareExact(ctx(key, 'TS->PyTorch'), back.get(key) ?? { ...value, data: new Float32Array(0), shape: [0] }, value));
        model.loadStateDict(back);
        for (const [key, value] of model.stateDict()) rows.push(compareExact(ctx(key, 'TS->PyTorch->TS'), value, original.get(key)!));
        expectParity(rows);
      } finally {
        model.dispose();
      }
    });

    it(`${c.label}: a saved state_dict file round-trips through the official safetensors library bit-exactly`, async () => {
      const { model } = buildModel(c);
      const dir = mkdtempSync(join(tmpdir(), 'twinml-weights-'));
      try {
        const original = model.stateDict();
        saveSafetensors(join(dir, 'ts.safetensors'), original);
        const out = await session.py.call<{ keys: string[] }>('state_dict_file_roundtrip', {
          name: c.name,
          config: c.config,
          path: join(dir, 'ts.safetensors'),
          out: join(dir, 'torch.safetensors'),
        });
        expect(out.result.keys).toEqual([...original.keys()]);
        const back = loadSafetensors(join(dir, 'torch.safetensors')).tensors;
        const rows = [...original].map(([key, value]) =>
          compareExact({ subject: 'weights', name: `weights/${c.label}/file TS->PyTorch->file/${key}`, backend: tf.getBackend(), seed: PARITY_SEED }, back.get(key)!, value),
        );
        expectParity(rows);
      } finally {
        rmSync(dir, { recursive: true, force: true });
        model.dispose();
      }
    });

    it(`${c.label}: PyTorch's own initialisation loads into TS bit-exactly`, async () => {
      const { model } = buildModel(c);
      try {
        const out = await session.py.call('initial_state', { name: c.name, config: c.config, seed: 3 });
        const torchState = unprefix(out.tensors);
        model.loadStateDict(torchState);
        const rows = [...model.stateDict()].map(([key, value]) =>
          compareExact({ subject: 'weights', name: `weights/${c.label}/PyTorch->TS/${key}`, backend: tf.getBackend(), seed: 3 }, value, torchState.get(key)!),
        );
        expectParity(rows);
      } finally {
        model.dispose();
      }
    });

    it(`${c.label}: missing, extra and mis-shaped keys are errors listing the keys`, async () => {
      const { model } = buildModel(c);
      try {
        const state = model.stateDict();
        const [firstKey, firstValue] = [...state][0]!;
        const missing = new Map(state);
        missing.delete(firstKey);
        const extra = new Map(state).set('bogus.weight', { dtype: 'float32', shape: [2], data: new Float32Array(2) });
        const misShaped = new Map(state).set(firstKey, { dtype: 'float32', shape: [firstValue.data.length + 1], data: new Float32Array(firstValue.data.length + 1) });

        expect(() => model.loadStateDict(missing)).toThrow(new RegExp(`missing keys: ${firstKey.replace('.', '\\.')}`));
        expect(() => model.loadStateDict(extra)).toThrow(/unexpected keys: bogus\.weight/);
        expect(() => model.loadStateDict(misShaped)).toThrow(new RegExp(`size mismatch for ${firstKey.replace('.', '\\.')}`));

        const torch = async (s: StateDict) =>
          (await session.py.call<{ loaded: boolean; message: string }>('state_dict_roundtrip', { name: c.name, config: c.config }, prefix(s))).result;
        const m = await torch(missing);
        expect(m.loaded).toBe(false);
        expect(m.message).toMatch(new RegExp(`Missing key\\(s\\) in state_dict: "${firstKey.replace('.', '\\.')}"`));
        const e = await torch(extra);
        expect(e.loaded).toBe(false);
        expect(e.message).toMatch(/Unexpected key\(s\) in state_dict: "bogus\.weight"/);
        const s = await torch(misShaped);
        expect(s.loaded).toBe(false);
        expect(s.message).toMatch(new RegExp(`size mismatch for ${firstKey.replace('.', '\\.')}`));
      } finally {
        model.dispose();
      }
    });
  }
});
