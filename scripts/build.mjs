// Compiles src/ to dist/ and copies the non-TypeScript assets the runtime reads (the ONNX schema).
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
let tsc;
try {
  tsc = require.resolve('typescript/bin/tsc', { paths: [root] });
} catch {
  console.log('twinml build: typescript is not installed yet (dev dependency); skipping the build.');
  process.exit(0);
}
try {
  execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.json')], { stdio: 'inherit', cwd: root });
} catch {
  console.error('twinml build: the TypeScript compiler reported errors (above).');
  process.exit(1);
}

// tfjs-core's Node bundle registers no gradient functions, and its ESM build (dist/register_all_gradients.js)
// uses extensionless imports Node cannot load. Bundle that file once into a CommonJS module; its registries
// are tfjs's global ones, so the gradients land in the same engine (see src/backend/gradients.ts).
try {
  const { build } = await import('esbuild');
  const entry = require.resolve('@tensorflow/tfjs-core/dist/register_all_gradients.js', { paths: [root] });
  await build({ entryPoints: [entry], bundle: true, platform: 'node', format: 'cjs', outfile: join(root, 'dist', 'vendor', 'tfjs-gradients.cjs'), logLevel: 'warning' });
} catch (e) {
  console.error('twinml build: could not bundle the tfjs gradients: ' + e.message);
  process.exit(1);
}

const assetExtensions = ['.proto'];
function copyAssets(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) copyAssets(path);
    else if (assetExtensions.some((e) => name.endsWith(e))) {
      const target = join(root, 'dist', relative(join(root, 'src'), path));
      mkdirSync(dirname(target), { recursive: true });
      cpSync(path, target);
    }
  }
}
if (existsSync(join(root, 'src'))) copyAssets(join(root, 'src'));
