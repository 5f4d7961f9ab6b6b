import { CredentialsLockedError } from '../auth/credential-cipher.ts';
import { RotationRefusedError, rotateMasterKey } from '../auth/master-key-rotation.ts';
import { type Config, ConfigError, loadConfig } from '../config.ts';
import { openStore } from '../store/database.ts';

export const ROTATE_USAGE = `usage: zapgate rotate-master-key [--force]
  Re-encrypts every stored WhatsApp credential and Signal key, in one transaction, from the key
  in MASTER_KEY (unset: rows stored unencrypted) to the key in NEW_MASTER_KEY, with a new salt.
  --old-key <key>, --new-key <key>  instead of MASTER_KEY and NEW_MASTER_KEY (visible in ps)
  --force                           rotate even while gateways run on the database
  Stop every gateway first, then start them with MASTER_KEY set to the new key.`;

type Env = Record<string, string | undefined>;

interface RotateArgs {
  oldKey: string | undefined;
  newKey: string | undefined;
  force: boolean;
}

/** `--name value` or `--name=value`. */
function flagValue(args: string[], name: string): string | undefined {
  const at = args.findIndex((a) => a === name || a.startsWith(`${name}=`));
  if (at < 0) return undefined;
  return args[at]?.includes('=') ? args[at]?.slice(name.length + 1) : args[at + 1];
}

function parseArgs(args: string[], env: Env): RotateArgs {
  const known = /^--(old-key|new-key|force)(=|$)/;
  const unknown = args.filter((a, i) => a.startsWith('--') && !known.test(a) && !isValueOf(args, i));
  if (unknown.length) throw new ConfigError(`unknown option ${unknown.join(' ')}\n${ROTATE_USAGE}`);
  return {
    oldKey: flagValue(args, '--old-key') ?? (env.MASTER_KEY || undefined),
    newKey: flagValue(args, '--new-key') ?? (env.NEW_MASTER_KEY || undefined),
    force: args.includes('--force'),
  };
}

const isValueOf = (args: string[], i: number): boolean =>
  args[i - 1] === '--old-key' || args[i - 1] === '--new-key';

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** Runs the command; returns the exit code (0 done, 1 refused or failed, 2 bad usage). */
export async function rotateMasterKeyCommand(
  args: string[],
  env: Env,
  write: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
  warn: (line: string) => void = (line) => process.stderr.write(`zapgate: ${line}\n`),
): Promise<number> {
  let config: Readonly<Config>;
  let request: RotateArgs;
  try {
    request = parseArgs(args, env);
    config = loadConfig(env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    warn(err.message);
    return 2;
  }
  if (!request.newKey) {
    warn(`rotate-master-key needs NEW_MASTER_KEY (or --new-key)\n${ROTATE_USAGE}`);
    return 2;
  }
  const store = await openStore(config.databaseUrl);
  try {
    const result = await rotateMasterKey(store, {
      from: request.oldKey,
      to: request.newKey,
      force: request.force,
      liveWithinMs: config.fleet.leaseTtlMs,
    });
    write(
      `rotate-master-key: re-encrypted ${plural(result.credentials, 'credentials row')} and ` +
        `${plural(result.keys, 'key row')} of ${plural(result.instances, 'instance')} ` +
        `(${result.plaintext} were unencrypted, ${result.legacy} in the first format)`,
    );
    write('rotate-master-key: start the gateways with MASTER_KEY set to the new key');
    return 0;
  } catch (err) {
    if (!(err instanceof RotationRefusedError || err instanceof CredentialsLockedError)) throw err;
    warn(`rotate-master-key refused, nothing changed: ${err.message}`);
    return 1;
  } finally {
    await store.close();
  }
}
