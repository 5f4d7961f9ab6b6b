import { resolve } from 'node:path';
import { defineConfig } from 'vitest/config';
import project from '../../vitest.config.ts';

/**
 * The project's own Vitest configuration (the same global setup, pool and hooks), pointed at the
 * fixtures of this folder only: `exit-code.test.ts` runs it in a child process.
 */
// one project here: the root's projects would bring their own file lists
const { projects: _projects, ...test } = project.test ?? {};

export default defineConfig({
  ...project,
  root: resolve(import.meta.dirname, '../..'),
  test: { ...test, include: ['test/exit-code/fixtures/*.check.ts'] },
});
