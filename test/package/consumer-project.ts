/**
 * A fresh project OUTSIDE the repository that installs the packed twinml tarball (as a user would), plus tsx and
 * typescript to run and type-check TypeScript files there.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The consumer project: its folder and how to run things in it. */
export interface ConsumerProject {
  dir: string;
  /** The packed file list (`npm pack --json`). */
  packedFiles: string[];
  /** Runs a TypeScript file of the project with tsx; returns stdout. */
  runTs(file: string): string;
  /** Type-checks the project's *.ts files with tsc (strict, NodeNext); returns tsc's output ('' when clean). */
  typecheck(): string;
  remove(): void;
}

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
/** No CUDA download from onnxruntime-node's install script (the CPU binaries ship in its package). */
const env = { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip', npm_config_onnxruntime_node_install: 'skip' };

/** What a clean checkout has (no dist/): the package is packed from a copy so that the repository's dist/ is untouched. */
const CHECKOUT = ['package.json', 'package-lock.json', 'tsconfig.json', 'README.md', 'scripts', 'src', 'python', 'bin', 'docs'];

/**
 * Copies the sources to a temp checkout, runs `npm pack` there (its `prepare` script builds dist/ from scratch), then
 * installs the tarball into a fresh temp project.
 */
export function createConsumerProject(): ConsumerProject {
  const root = mkdtempSync(join(tmpdir(), 'twinml-consumer-'));
  const checkout = join(root, 'checkout');
  for (const entry of CHECKOUT) cpSync(join(repoRoot, entry), join(checkout, entry), { recursive: true, filter: (src) => !src.includes('__pycache__') });
  symlinkSync(join(repoRoot, 'node_modules'), join(checkout, 'node_modules'), 'dir');
  const packJson = execFileSync(npm, ['pack', '--json', '--pack-destination', root], { cwd: checkout, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const packed = JSON.parse(packJson.slice(packJson.indexOf('['))) as Array<{ filename: string; files: Array<{ path: string }> }>;
  const tarball = join(root, readdirSync(root).find((f) => f.endsWith('.tgz'))!);
  const dir = join(root, 'project');
  mkdirSync(dir);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'twinml-consumer', private: true, type: 'module' }, null, 2));
  writeFileSync(join(dir, '.npmrc'), 'onnxruntime-node-install=skip\n');
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, skipLibCheck: true, types: ['node'] }, include: ['*.ts'] }, null, 2),
  );
  execFileSync(npm, ['install', tarball, 'tsx@^4', 'typescript@^5', '@types/node@^20', '--prefer-offline', '--no-audit', '--no-fund'], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  return {
    dir,
    packedFiles: packed[0]!.files.map((f) => f.path),
    runTs: (file) => execFileSync(join(dir, 'node_modules', '.bin', 'tsx'), [file], { cwd: dir, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }),
    typecheck: () => {
      try {
        execFileSync(join(dir, 'node_modules', '.bin', 'tsc'), ['-p', '.'], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
        return '';
      } catch (e) {
        return String((e as { stdout?: string }).stdout ?? e);
      }
    },
    remove: () => rmSync(root, { recursive: true, force: true }),
  };
}
