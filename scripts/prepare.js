// npm runs `prepare` after every `npm ci` / `npm install` in this folder, a production install included.
// - A development install (dev dependencies present: TypeScript) builds dist/, so that `npm ci && npm start` runs
//   the sources just installed.
// - A production install (`npm ci --omit=dev`) has no compiler and must not need one: it runs the dist/ built
//   beforehand (docs/deployment.md "Install"), so there is nothing to build.
// Building here rather than in `start` keeps `npm start` a plain `exec node dist/server.js` (signals reach node)
// that never writes to the file system (a read-only container root works).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
let typescript = true;
try {
  require.resolve('typescript/package.json');
} catch {
  typescript = false;
}
if (!typescript) {
  const built = existsSync(new URL('../dist/server.js', import.meta.url));
  console.log(
    built
      ? 'prepare: production install (no TypeScript): not building; dist/ is used as it is'
      : 'prepare: production install (no TypeScript) and no dist/: build it first (npm ci && npm run build)'
  );
  process.exit(0);
}
const build = spawnSync('npm', ['run', 'build'], { stdio: 'inherit', shell: process.platform === 'win32' });
process.exit(build.status ?? 1);
