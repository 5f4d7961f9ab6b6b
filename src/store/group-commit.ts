import { CompiledQuery, type Kysely } from 'kysely';
import type { Database } from './schema.ts';

type Work = (trx: Kysely<Database>) => Promise<unknown>;

interface Job {
  work: Work;
  /** One statement: SQLite undoes a failed statement by itself, so it needs no savepoint. */
  single: boolean;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/**
 * Transactions on SQLite, committed in groups. A commit costs more than the statements in it
 * (about 0.15 ms of system calls: the WAL pages written, the file locks), and a transaction asked
 * for while another runs waits for the one connection anyway. So the transactions asked for
 * meanwhile run together in the next one, each inside a savepoint of its own (a single statement
 * needs none): one that fails undoes only its own writes, and each learns its outcome only after
 * the shared commit.
 */
export class GroupCommit {
  private pending: Job[] = [];
  private running = false;

  constructor(private readonly db: Kysely<Database>) {}

  run<T>(work: (trx: Kysely<Database>) => Promise<T>, single = false): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ work, single, resolve: resolve as (value: unknown) => void, reject });
      if (this.running) return;
      this.running = true;
      // the group forms over the rest of this turn of the event loop: the requests and receipts
      // handled in it ask for their transactions before the first one starts
      setImmediate(() => void this.drain());
    });
  }

  private async drain(): Promise<void> {
    while (this.pending.length > 0) {
      const batch = this.pending.splice(0);
      if (batch.length === 1) await this.alone(batch[0] as Job);
      else await this.together(batch);
    }
    this.running = false;
  }

  private async alone(job: Job): Promise<void> {
    try {
      job.resolve(await this.db.transaction().execute((trx) => job.work(trx)));
    } catch (error) {
      job.reject(error);
    }
  }

  private async together(batch: Job[]): Promise<void> {
    const outcomes: Outcome[] = [];
    try {
      await this.db.transaction().execute(async (trx) => {
        for (const job of batch)
          outcomes.push(await (job.single ? outcomeOf(trx, job.work) : inSavepoint(trx, job.work)));
      });
    } catch (error) {
      // the commit itself failed: nothing of the batch was kept
      for (const job of batch) job.reject(error);
      return;
    }
    batch.forEach((job, i) => {
      const outcome = outcomes[i] as Outcome;
      if (outcome.ok) job.resolve(outcome.value);
      else job.reject(outcome.error);
    });
  }
}

async function outcomeOf(trx: Kysely<Database>, work: Work): Promise<Outcome> {
  try {
    return { ok: true, value: await work(trx) };
  } catch (error) {
    return { ok: false, error };
  }
}

/** Built once: a statement built with `sql` is parsed and compiled anew on every run. */
const SAVEPOINT = CompiledQuery.raw('savepoint zg_job');
const RELEASE = CompiledQuery.raw('release zg_job');
const ROLLBACK_TO = CompiledQuery.raw('rollback to zg_job');

async function inSavepoint(trx: Kysely<Database>, work: Work): Promise<Outcome> {
  await trx.executeQuery(SAVEPOINT);
  try {
    const value = await work(trx);
    await trx.executeQuery(RELEASE);
    return { ok: true, value };
  } catch (error) {
    await trx.executeQuery(ROLLBACK_TO);
    await trx.executeQuery(RELEASE);
    return { ok: false, error };
  }
}

const groups = new WeakMap<Kysely<Database>, GroupCommit>();

/** From now on, transactions on `db` through `transact` commit in groups. */
export function commitInGroups(db: Kysely<Database>): void {
  groups.set(db, new GroupCommit(db));
}

/** A transaction on `db`: with others in a group when `db` commits in groups, else on its own. */
export function transact<T>(db: Kysely<Database>, work: (trx: Kysely<Database>) => Promise<T>): Promise<T> {
  const group = groups.get(db);
  return group ? group.run(work) : db.transaction().execute(work);
}

/**
 * A single statement that joins the group when `db` commits in groups (SQLite), and otherwise runs
 * as it is: on PostgreSQL a transaction around one statement only adds round trips.
 */
export function grouped<T>(db: Kysely<Database>, work: (trx: Kysely<Database>) => Promise<T>): Promise<T> {
  const group = db.isTransaction ? undefined : groups.get(db);
  return group ? group.run(work, true) : work(db);
}
