// Part of `npm run build`: copies the browser build of the SMART Health IT fhirclient library (a dev dependency)
// into dist/vendor/, which the SMART app's pages load from the service itself (no CDN, no bundler). The library's
// Node.js dependencies (isomorphic-webcrypto and its React Native tree) are never loaded by the service, so a
// production install (`npm ci --omit=dev`) carries only this one prebuilt file, made at build time.
import { copyFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const build = join(dirname(require.resolve('fhirclient/package.json')), 'build');
const vendor = new URL('../dist/vendor/', import.meta.url);
mkdirSync(vendor, { recursive: true });
for (const file of ['fhir-client.min.js', 'fhir-client.min.js.LICENSE.txt']) {
  copyFileSync(join(build, file), new URL(file, vendor));
}
