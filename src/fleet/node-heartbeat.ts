import type { Logger } from '../observability/logger.ts';
import type { NodeRole, Store } from '../store/repositories.ts';

const FORGET_AFTER_MS = 3_600_000;
const VERSION = process.env.npm_package_version ?? '0.1.0';

/** Registers this process in `nodes` and keeps its heartbeat fresh until `stop`. */
export class NodeHeartbeat {
  private timer: NodeJS.Timeout | undefined;
  private readonly startedAt = new Date();

  constructor(
    private readonly store: Store,
    private readonly node: { id: string; role: NodeRole },
    private readonly everyMs: number,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    await this.beat();
    this.timer = setInterval(() => void this.beat(), this.everyMs);
  }

  private async beat(): Promise<void> {
    try {
      const now = new Date();
      await this.store.nodes.heartbeat(
        { id: this.node.id, role: this.node.role, version: VERSION, startedAt: this.startedAt },
        now,
      );
      // nodes that died without a word (SIGKILL) leave their row: forget them after an hour
      await this.store.nodes.removeSilentSince(new Date(now.getTime() - FORGET_AFTER_MS));
    } catch (err) {
      this.logger.error({ err, nodeId: this.node.id }, 'node heartbeat failed');
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.store.nodes.remove(this.node.id).catch(() => undefined);
  }
}
