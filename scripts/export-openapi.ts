/**
 * `npm run openapi`: builds the gateway in this process on a throwaway SQLite file (nothing
 * listens, nothing connects), and writes its OpenAPI document and the Postman collection made
 * from it to docs/. A test fails when the committed files differ from what this writes.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { buildApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { EXPORT_ENV, openapiArtifacts } from '../src/http/openapi/artifacts.ts';
import type { OpenApiDocument } from '../src/http/openapi/refine.ts';

const ROOT = resolve(import.meta.dirname, '..');

const dataDir = mkdtempSync(join(tmpdir(), 'zg-openapi-'));
try {
  const gateway = await buildApp(loadConfig({ ...EXPORT_ENV, DATA_DIR: dataDir }));
  await gateway.app.ready();
  const doc = gateway.app.swagger() as unknown as OpenApiDocument;
  await gateway.stop();
  const written: string[] = [];
  for (const [path, content] of Object.entries(openapiArtifacts(doc))) {
    const file = join(ROOT, path);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `${JSON.stringify(content, null, 2)}\n`);
    written.push(file);
  }
  // the files are checked in: laid out as Biome wants them, so `npm run check` stays clean
  execFileSync(join(ROOT, 'node_modules/.bin/biome'), ['format', '--write', ...written], { stdio: 'ignore' });
  process.stdout.write(`wrote ${written.map((f) => f.slice(ROOT.length + 1)).join(', ')}\n`);
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}
