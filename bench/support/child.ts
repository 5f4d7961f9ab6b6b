import { type ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');

export interface TsChild {
  child: ChildProcess;
  pid: number;
  /** The first line the child printed on stdout (its announcement), parsed as JSON. */
  hello: Record<string, unknown>;
  /** SIGTERM, then SIGKILL after 5 s; resolves once it has exited. */
  stop(): Promise<void>;
}

/**
 * Runs a TypeScript file of this repository in a fresh Node process (tsx as a loader) with an IPC
 * channel, and resolves once it prints its first line of JSON on stdout.
 */
export async function spawnTs(
  file: string,
  options: { nodeArgs?: string[]; args?: string[]; env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<TsChild> {
  const child = spawn(
    process.execPath,
    [...(options.nodeArgs ?? []), '--import', 'tsx', resolve(ROOT, file), ...(options.args ?? [])],
    {
      cwd: ROOT,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    },
  );
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4000);
    if (process.env.BENCH_CHILD_LOG) process.stderr.write(chunk);
  });
  const stop = () =>
    new Promise<void>((done) => {
      if (child.exitCode !== null || child.signalCode !== null) return done();
      const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      child.once('exit', () => {
        clearTimeout(killer);
        done();
      });
      child.kill('SIGTERM');
    });
  const line = await new Promise<string>((resolveLine, reject) => {
    let out = '';
    const timer = setTimeout(
      () => reject(new Error(`${file} printed nothing: ${stderr}`)),
      options.timeoutMs ?? 30_000,
    );
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (chunk: string) => {
      out += chunk;
      const nl = out.indexOf('\n');
      if (nl >= 0) {
        clearTimeout(timer);
        resolveLine(out.slice(0, nl));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${file} exited with ${code}: ${stderr}`));
    });
  }).catch(async (err: unknown) => {
    await stop();
    throw err;
  });
  child.stdout?.resume();
  return { child, pid: child.pid ?? 0, hello: JSON.parse(line) as Record<string, unknown>, stop };
}

/** Sends a request over the IPC channel and resolves with the child's answer to it. */
export function ask<T>(
  child: ChildProcess,
  request: Record<string, unknown>,
  timeoutMs = 900_000,
): Promise<T> {
  const id = Math.random().toString(36).slice(2);
  return new Promise<T>((resolveAnswer, reject) => {
    const timer = setTimeout(() => {
      child.off('message', onMessage);
      reject(new Error(`no answer to ${JSON.stringify(request)} in ${timeoutMs} ms`));
    }, timeoutMs);
    const onMessage = (message: unknown) => {
      const m = message as { id?: string; error?: string; result?: T };
      if (m.id !== id) return;
      clearTimeout(timer);
      child.off('message', onMessage);
      if (m.error) reject(new Error(m.error));
      else resolveAnswer(m.result as T);
    };
    child.on('message', onMessage);
    child.send({ ...request, id });
  });
}

/**
 * The child's side of `ask`: answers each request from the parent with `handle`'s result (or its
 * error's message) under the request's id.
 */
export function answerRequests<R extends { id: string }>(handle: (request: R) => Promise<unknown>): void {
  process.on('message', (message) => {
    const request = message as R;
    handle(request).then(
      (result) => process.send?.({ id: request.id, result }),
      (err: unknown) =>
        process.send?.({ id: request.id, error: err instanceof Error ? err.message : String(err) }),
    );
  });
}
