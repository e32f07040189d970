/**
 * CSV / tabular data: numeric feature columns and one label column, with a header row (parsed by csv-parse).
 * Labels become classes by their sorted distinct values (see labelsToClasses). Features are read in full: tabular
 * data is small next to images.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { labelsToClasses } from './class-labels.js';
import type { ArrayDataset } from './dataset.js';
import type { SampleRef } from './source.js';

/** Columns and parsing of a CSV/TSV file (label column, feature columns, delimiter, skip bad rows). */
export interface CsvOptions {
  /** Label column name (default `label`, else the last column). */
  labelColumn?: string;
  /** Feature column names (default: every column except the label). */
  featureColumns?: string[];
  /** Field delimiter (default `,`). */
  delimiter?: string;
  /** Skip rows with a missing or non-numeric feature instead of failing; they are listed in `skipped`. */
  skipBad?: boolean;
}

/** A CSV file as an ArrayDataset, with its feature column names. */
export interface CsvDataset extends ArrayDataset {
  /** Feature column names in sample order. */
  featureColumns: string[];
  /** Rows skipped in skip-bad mode (row = 1-based line number in the file, the header being line 1). */
  skipped: Array<SampleRef & { error: string }>;
}

/**
 * Reads a CSV file with a header row into an in-memory dataset of shape [features].
 * @param file - path of the .csv
 * @param options - label/feature columns, delimiter, skip-bad mode
 */
export function loadCsv(file: string, options: CsvOptions = {}): CsvDataset {
  let records: string[][];
  try {
    records = parse(readFileSync(file), { delimiter: options.delimiter ?? ',', trim: true, skip_empty_lines: true, relax_column_count: false });
  } catch (e) {
    throw new Error(`${file}: cannot parse CSV: ${(e as Error).message}`);
  }
  if (records.length < 2) throw new Error(`${file}: expected a header row and at least one data row`);
  const header = records[0]!;
  const labelColumn = options.labelColumn ?? (header.includes('label') ? 'label' : header[header.length - 1]!);
  const labelAt = header.indexOf(labelColumn);
  if (labelAt < 0) throw new Error(`${file}: no label column "${labelColumn}" (columns: ${header.join(', ')})`);
  const featureColumns = options.featureColumns ?? header.filter((h) => h !== labelColumn);
  const featureAt = featureColumns.map((name) => {
    const at = header.indexOf(name);
    if (at < 0) throw new Error(`${file}: no feature column "${name}" (columns: ${header.join(', ')})`);
    if (at === labelAt) throw new Error(`${file}: column "${name}" is the label and cannot be a feature`);
    return at;
  });
  if (featureAt.length === 0) throw new Error(`${file}: no feature columns besides the label "${labelColumn}"`);
  const d = featureAt.length;
  const features: number[] = [];
  const rawLabels: string[] = [];
  const skipped: CsvDataset['skipped'] = [];
  records.slice(1).forEach((record, i) => {
    const line = i + 2;
    const values = featureAt.map((at) => (record[at] === '' ? NaN : Number(record[at])));
    const bad = values.findIndex((v) => !Number.isFinite(v));
    const label = record[labelAt]!;
    const error =
      bad >= 0 ? `column "${featureColumns[bad]}" value "${record[featureAt[bad]!]}" is not a finite number` : label === '' ? `label column "${labelColumn}" is empty` : null;
    if (error) {
      if (!options.skipBad) throw new Error(`${file} row ${line}: ${error}`);
      skipped.push({ file, row: line, error });
      return;
    }
    features.push(...values);
    rawLabels.push(label);
  });
  if (rawLabels.length === 0) throw new Error(`${file}: every data row was skipped as bad`);
  const { classes, labels } = labelsToClasses(rawLabels);
  return { x: Float32Array.from(features), y: labels, sampleShape: [d], classes, source: file, featureColumns, skipped };
}
