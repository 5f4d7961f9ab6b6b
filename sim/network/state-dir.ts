import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Curve } from 'baileys';
import type { KeyPair } from '../wire/cert-chain.ts';
import type { Directory } from './directory.ts';
import type { ProfileBook } from './profiles.ts';
import { decodeSnapshot, encodeSnapshot, restoreSnapshot, SnapshotError, takeSnapshot } from './snapshot.ts';

export const ROOT_KEY_FILE = 'root-key.json';
export const NETWORK_FILE = 'network.json';
const SAVE_EVERY_MS = 500;

/** What is kept: the simulator core's directory and profiles. */
export interface KeptNetwork {
  directory: Directory;
  profiles: ProfileBook;
}

/** Written to a temporary name and renamed, so a crash never leaves half a file; owner-only. */
function writeAtomically(path: string, text: string): void {
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, text, { mode: 0o600 });
  renameSync(temp, path);
}

/**
 * A directory that keeps a simulator across restarts: its root key (`root-key.json`, so clients that
 * trust it keep trusting it) and its network (`network.json`, so linked devices log in again).
 */
export class StateDir {
  private lastSaved = '';
  private timer: NodeJS.Timeout | undefined;

  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  }

  /** The root key kept here; `given` (or a new one) is kept when there is none yet. */
  rootKey(given?: KeyPair): KeyPair {
    const file = join(this.dir, ROOT_KEY_FILE);
    if (existsSync(file) && !given) {
      const saved = JSON.parse(readFileSync(file, 'utf8')) as { publicKey?: string; privateKey?: string };
      if (!saved.publicKey || !saved.privateKey) throw new SnapshotError(`${file} holds no root key`);
      return {
        public: Buffer.from(saved.publicKey, 'base64'),
        private: Buffer.from(saved.privateKey, 'base64'),
      };
    }
    const root = given ?? Curve.generateKeyPair();
    if (!existsSync(file)) {
      const text = JSON.stringify({
        publicKey: Buffer.from(root.public).toString('base64'),
        privateKey: Buffer.from(root.private).toString('base64'),
      });
      writeAtomically(file, `${text}\n`);
    }
    return root;
  }

  /** Restores what the last run saved, then saves every change shortly after it happens. */
  keep(network: KeptNetwork, onError: (err: unknown) => void): void {
    const file = join(this.dir, NETWORK_FILE);
    if (existsSync(file)) {
      const text = readFileSync(file, 'utf8');
      restoreSnapshot(network.directory, decodeSnapshot(text), network.profiles);
      this.lastSaved = text;
    }
    this.timer = setInterval(() => {
      try {
        this.save(network);
      } catch (err) {
        onError(err);
      }
    }, SAVE_EVERY_MS);
    this.timer.unref();
  }

  /** Writes the network now if it changed since the last write. */
  save(network: KeptNetwork): void {
    const text = encodeSnapshot(takeSnapshot(network.directory, network.profiles));
    if (text === this.lastSaved) return;
    writeAtomically(join(this.dir, NETWORK_FILE), text);
    this.lastSaved = text;
  }

  /** Stops the periodic saves after a last one. */
  close(network: KeptNetwork): void {
    clearInterval(this.timer);
    this.save(network);
  }
}
