import { describe, expect, it } from 'vitest';
import type { ModelInfo } from '../api/types';
import { formatBytes, importLabel, kindLabel, loadLabel, nextLoad, percent, sortModels } from './models';

const m = (kind: string, name: string): ModelInfo => ({
  kind, name, path: `/m/${name}`, diskBytes: 1, memoryBytes: 1, active: false, removable: true, bundled: false, detail: '',
});

describe('formatBytes', () => {
  it('uses KB, MB and GB in powers of 1,000', () => {
    expect(formatBytes(98_362_432)).toBe('98 MB');
    expect(formatBytes(192_734_272)).toBe('193 MB');
    expect(formatBytes(1_234_567_890)).toBe('1.2 GB');
    expect(formatBytes(12_345_678_901)).toBe('12 GB');
    expect(formatBytes(850_000)).toBe('850 KB');
    expect(formatBytes(12)).toBe('1 KB');
  });
  it('shows a dash for nothing or nonsense', () => {
    expect(formatBytes(0)).toBe('—');
    expect(formatBytes(-5)).toBe('—');
    expect(formatBytes(Number.NaN)).toBe('—');
  });
});

describe('percent and loadLabel', () => {
  it('never says 100% before the end', () => {
    expect(percent(0.996)).toBe(99);
    expect(percent(1)).toBe(100);
    expect(percent(0.45)).toBe(45);
    expect(percent(-1)).toBe(0);
    expect(percent(Number.NaN)).toBe(0);
    expect(percent(7)).toBe(100);
  });
  it('shows the loading line until the model is ready', () => {
    expect(loadLabel({ model: 'SmolLM2', fraction: 0.456 })).toBe('Loading model… 45%');
    expect(loadLabel({ model: 'SmolLM2', fraction: 0 })).toBe('Loading model… 0%');
    expect(loadLabel({ model: 'SmolLM2', fraction: 1 })).toBe('');
    expect(loadLabel(null)).toBe('');
  });
  it('describes an import', () => {
    expect(importLabel('x.gguf', 49_181_216, 98_362_432)).toBe('Copying x.gguf… 50% (49 MB of 98 MB)');
    expect(importLabel('x.gguf', 0, 0)).toBe('Copying x.gguf… 0% (— of —)');
  });
});

describe('sortModels', () => {
  it('puts generators first, then embedding, reranker, reader, by name', () => {
    const got = sortModels([m('reader', 'qa'), m('embedding', 'b'), m('generator', 'z'), m('embedding', 'a'), m('odd', 'o'), m('generator', 'k')]);
    expect(got.map((x) => `${x.kind}:${x.name}`)).toEqual(['generator:k', 'generator:z', 'embedding:a', 'embedding:b', 'reader:qa', 'odd:o']);
    expect(sortModels(null)).toEqual([]);
  });
  it('names the kinds', () => {
    expect(kindLabel('generator')).toBe('Writes answers');
    expect(kindLabel('other')).toBe('other');
  });
});

describe('nextLoad', () => {
  const l = (fraction: number, model = 'm') => ({ model, fraction });
  it('only goes forward within a load, whatever order the events arrive in', () => {
    let st = null;
    for (const f of [0, 0.31, 0.63, 0.999, 0.77, 0.7, 1, 0.64, 0.5]) st = nextLoad(st, l(f));
    expect(st).toEqual(l(1));
    expect(loadLabel(st)).toBe('');
    st = null;
    const shown: string[] = [];
    for (const f of [0, 0.45, 0.3, 0.6]) {
      st = nextLoad(st, l(f));
      shown.push(loadLabel(st));
    }
    expect(shown).toEqual(['Loading model… 0%', 'Loading model… 45%', 'Loading model… 45%', 'Loading model… 60%']);
  });
  it('follows another model from its start', () => {
    expect(nextLoad(l(1, 'a'), l(0, 'b'))).toEqual(l(0, 'b'));
  });
});
