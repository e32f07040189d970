/**
 * Image folders with torchvision's ImageFolder conventions: `root/<class>/**\/<file>`, classes = sorted folder names
 * (code-point order, like Python's sorted()), files found recursively (following symlinks) and ordered like
 * torchvision's make_dataset (sorted by folder, then file name), extensions
 * .jpg .jpeg .png .ppm .bmp .pgm .tif .tiff .webp (case-insensitive). A class folder with no image is an error.
 * When the root holds `train/` and `test/`, `val/`, `valid/` or `validation/` sub-roots, they are the split.
 * Only paths and labels are held in memory; pixels are read when a sample is read.
 */
import { readdirSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, extname } from 'node:path';
import { decodeImage } from '../util/image/decode.js';
import type { SampleSource } from './source.js';

export const IMAGE_EXTENSIONS = ['.jpg', '.jpeg', '.png', '.ppm', '.bmp', '.pgm', '.tif', '.tiff', '.webp'] as const;

const VALIDATION_DIRS = ['val', 'valid', 'validation'];

function byCodePoint(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

export function isImageFile(name: string): boolean {
  return (IMAGE_EXTENSIONS as readonly string[]).includes(extname(name).toLowerCase());
}

/** Image files under `dir`, recursively, in torchvision's order: sorted(os.walk(dir)), then sorted file names. */
function listImages(dir: string): string[] {
  const folders: Array<[string, string[]]> = [];
  const walk = (d: string): void => {
    const entries = readdirSync(d);
    folders.push([d, entries.filter((e) => isImageFile(e) && !isDir(join(d, e))).sort(byCodePoint)]);
    for (const e of entries) if (isDir(join(d, e))) walk(join(d, e));
  };
  walk(dir);
  folders.sort((a, b) => byCodePoint(a[0], b[0]));
  return folders.flatMap(([d, files]) => files.map((f) => join(d, f)));
}

/** Options of imageFolder (torchvision ImageFolder layout: root/<class>/<image>). */
export interface ImageFolderOptions {
  /** Use these class names (index = label) instead of the folder's own, e.g. the train split's for val/. */
  classes?: string[];
}

/** The class folders of an ImageFolder root, sorted. */
export function findClasses(root: string): string[] {
  if (!isDir(root)) throw new Error(`image folder: ${root} is not a directory`);
  const classes = readdirSync(root).filter((e) => isDir(join(root, e))).sort(byCodePoint);
  if (classes.length === 0) throw new Error(`image folder: ${root} has no class folders (expected ${root}/<class>/<image>)`);
  return classes;
}

/**
 * One ImageFolder root as a lazily read sample source.
 * @param root - folder holding one sub-folder per class
 * @param options - fixed class list (for a validation split)
 */
export function imageFolder(root: string, options: ImageFolderOptions = {}): SampleSource {
  const own = findClasses(root);
  const classes = options.classes ?? own;
  const files: string[] = [];
  const labels: number[] = [];
  const empty: string[] = [];
  for (const name of own) {
    const label = classes.indexOf(name);
    if (label < 0) throw new Error(`image folder: class folder "${name}" in ${root} is not one of the training classes: ${classes.join(', ')}`);
    const images = listImages(join(root, name));
    if (images.length === 0) empty.push(name);
    for (const f of images) {
      files.push(f);
      labels.push(label);
    }
  }
  if (empty.length > 0) {
    throw new Error(`image folder: no image in class folder(s) ${empty.map((c) => join(root, c)).join(', ')} (extensions: ${IMAGE_EXTENSIONS.join(' ')})`);
  }
  return {
    classes,
    labels: Int32Array.from(labels),
    source: root,
    ref: (index) => ({ file: files[index]! }),
    read: async (index, decode) => {
      const file = files[index]!;
      let bytes: Uint8Array;
      try {
        bytes = await readFile(file);
      } catch (e) {
        throw new Error(`${file}: cannot read: ${(e as Error).message}`);
      }
      return { kind: 'image', image: await decodeImage(bytes, file, decode) };
    },
  };
}

/** The train/val/test folders of an image-folder dataset, as sample sources. */
export interface ImageFolderSplits {
  train: SampleSource;
  /** From val/ (or valid/, validation/), else test/ when only that exists. */
  val?: SampleSource;
  /** From test/ when val/ also exists. */
  test?: SampleSource;
}

/**
 * An image folder with or without train/ + test|val/ sub-roots.
 * @param root - the dataset folder
 */
export function imageFolderSplits(root: string): ImageFolderSplits {
  const trainDir = join(root, 'train');
  if (!isDir(trainDir)) return { train: imageFolder(root) };
  const valName = VALIDATION_DIRS.find((d) => isDir(join(root, d)));
  const hasTest = isDir(join(root, 'test'));
  if (!valName && !hasTest) return { train: imageFolder(trainDir) };
  const train = imageFolder(trainDir);
  const other = (dir: string): SampleSource => imageFolder(join(root, dir), { classes: train.classes });
  if (valName) return { train, val: other(valName), ...(hasTest ? { test: other('test') } : {}) };
  return { train, val: other('test') };
}

