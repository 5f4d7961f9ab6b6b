import { existsSync, readFileSync, rmSync } from 'node:fs';
import { eventually } from '../../test/support/http-client.ts';

/**
 * NODE_OPTIONS for the gateway (Node 20 does not take `--cpu-prof` there): a preloaded module that
 * starts V8's CPU profiler through `node:inspector`; on SIGUSR2 it writes the profile so far to
 * BENCH_CPU_PROFILE, `{pid}` in it replaced by the process's pid (so that the API and the worker of
 * a split gateway write files of their own), and starts a new one: a bench that collects twice has
 * its second profile cover only what came after the first. No spaces: NODE_OPTIONS splits on them.
 * The product is unchanged.
 */
export const PROFILE_HOOK =
  "--import=data:text/javascript,globalThis.zgProfiler=new(process.getBuiltinModule('inspector').Session)();" +
  "zgProfiler.connect();zgProfiler.post('Profiler.enable');zgProfiler.post('Profiler.start');" +
  "process.on('SIGUSR2',()=>zgProfiler.post('Profiler.stop',(e,r)=>{process.getBuiltinModule('fs')" +
  ".writeFileSync(process.env.BENCH_CPU_PROFILE.replace('{pid}',process.pid),JSON.stringify(r.profile));" +
  "zgProfiler.post('Profiler.start')}))";

/**
 * Asks the process for its profile so far (SIGUSR2) and waits until the file is written whole;
 * resolves with the file's name. A file left there before is replaced.
 */
export async function collectProfile(pid: number, fileTemplate: string): Promise<string> {
  const file = fileTemplate.replace('{pid}', String(pid));
  rmSync(file, { force: true });
  process.kill(pid, 'SIGUSR2');
  await eventually(
    'the gateway to write its CPU profile',
    () => {
      if (!existsSync(file)) return undefined;
      try {
        JSON.parse(readFileSync(file, 'utf8'));
        return true;
      } catch {
        return undefined; // still being written
      }
    },
    120_000,
    500,
  );
  return file;
}
