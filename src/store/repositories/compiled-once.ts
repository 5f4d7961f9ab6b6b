import {
  type Compilable,
  CompiledQuery,
  type Kysely,
  type KyselyPlugin,
  type OperationNode,
  OperationNodeTransformer,
  type PrimitiveValueListNode,
  type QueryResult,
  ValueListNode,
  ValueNode,
} from 'kysely';
import { prepareOnPostgres } from '../postgres-prepared-statements.ts';
import type { Database } from '../schema.ts';
import { isPostgres } from './shared.ts';

const MARK = '\u0000zg-param-';
const placeholder = (index: number) => `${MARK}${index}\u0000`;

/** Where each bound value of the compiled statement comes from: a parameter, or a constant. */
type Slot = { param: number } | { value: unknown };

interface Template {
  query: CompiledQuery;
  slots: Slot[];
}

const isConstant = (value: unknown) =>
  (typeof value === 'string' && !value.includes(MARK)) ||
  (typeof value === 'number' && Number.isSafeInteger(value));

/**
 * On SQLite, the statement's constants (`status = 'queued'`, `limit 1`) written into its SQL rather
 * than bound: SQLite plans a statement when it is prepared, and with a bound status it cannot narrow
 * the scan by it (the claim's subquery took 356 µs with its statuses bound, 6 µs with them written
 * in). PostgreSQL plans with the values, and would read a written-in 1 as an integer, not a boolean;
 * it gets them written in only for a prepared statement (CompiledOnceOptions).
 */
class ConstantsInline extends OperationNodeTransformer {
  protected override transformValue(node: ValueNode): ValueNode {
    return !node.immediate && isConstant(node.value) ? ValueNode.createImmediate(node.value) : node;
  }

  protected override transformPrimitiveValueList(node: PrimitiveValueListNode): PrimitiveValueListNode {
    if (!node.values.every(isConstant)) return node;
    // a list of written-in values compiles as `(v1, v2)`, as the bound list did
    return ValueListNode.create(
      node.values.map(ValueNode.createImmediate),
    ) as OperationNode as PrimitiveValueListNode;
  }
}

const inlineConstants: KyselyPlugin = {
  transformQuery: ({ node }) => new ConstantsInline().transformNode(node),
  transformResult: async ({ result }) => result,
};

export interface CompiledOnceOptions {
  /**
   * On PostgreSQL too, the constants written in, and the statement sent as a named prepared
   * statement (postgres-prepared-statements.ts): planned once per connection, then its generic
   * plan reused, which can use a partial index only when the status is in the SQL. Such a
   * statement names its columns (never `*`): PostgreSQL refuses to run a prepared statement whose
   * result columns changed, as they would when a newer node's migration adds one. Nor may it
   * compare a boolean column with a constant 1 (SQLite's true), which PostgreSQL would refuse.
   */
  prepared?: boolean;
}

/**
 * A hot statement built and compiled by Kysely once per dialect and shape, then run with new values:
 * building and compiling cost more than SQLite's own work for these (issue 12's profile).
 *
 * `build` is called once per dialect and `shape`, with placeholders in place of `params`: it must
 * use each parameter only as a bound value (never to choose the statement's form; that is what
 * `shape` is for), and every parameter must reach the statement.
 */
export function compiledOnce<S extends string, P extends unknown[], O>(
  build: (db: Kysely<Database>, shape: S, ...params: P) => Compilable<O>,
  options: CompiledOnceOptions = {},
): (db: Kysely<Database>, shape: S, ...params: P) => Promise<QueryResult<O>> {
  const templates = new Map<string, Template>();
  return async (db, shape, ...params) => {
    const postgres = isPostgres(db);
    const key = `${postgres ? 'pg' : 'sqlite'}:${shape}`;
    let template = templates.get(key);
    if (!template) {
      const marks = params.map((_, i) => placeholder(i)) as P;
      const builder = postgres && !options.prepared ? db : db.withPlugin(inlineConstants);
      template = templateOf(build(builder, shape, ...marks).compile(), params.length, key);
      if (options.prepared) preparable(template.query.sql, key);
      if (postgres && options.prepared) prepareOnPostgres(template.query.sql);
      templates.set(key, template);
    }
    const values = template.slots.map((s) => ('param' in s ? params[s.param] : s.value));
    return db.executeQuery<O>(CompiledQuery.raw(template.query.sql, values));
  };
}

function templateOf(query: CompiledQuery, count: number, key: string): Template {
  const used = new Set<number>();
  const slots = query.parameters.map((value): Slot => {
    if (typeof value !== 'string' || !value.includes(MARK)) return { value };
    const index = Number.parseInt(value.slice(MARK.length), 10);
    if (placeholder(index) !== value)
      throw new Error(`compiledOnce ${key}: a parameter was changed, not bound as it is`);
    used.add(index);
    return { param: index };
  });
  if (used.size !== count) throw new Error(`compiledOnce ${key}: a parameter never reached the statement`);
  return { query, slots };
}

/** Throws for a prepared statement that selects or returns `*` (see CompiledOnceOptions). */
function preparable(sql: string, key: string): void {
  if (/(?:select|returning|,)\s+(?:"[^"]+"\.)?\*/i.test(sql))
    throw new Error(`compiledOnce ${key}: a prepared statement must name its columns, not *`);
}

/**
 * The rows of an insert compiled once per row count: `values` holds each row's values in
 * `columns`' order, one row after another (`valuesInOrder` lays them out).
 */
export function boundRows<Row>(columns: ReadonlyArray<keyof Row>, values: readonly unknown[]): Row[] {
  return Array.from(
    { length: values.length / columns.length },
    (_, r) => Object.fromEntries(columns.map((column, i) => [column, values[r * columns.length + i]])) as Row,
  );
}

/** The values of `rows` as boundRows takes them. */
export const valuesInOrder = <Row>(columns: ReadonlyArray<keyof Row>, rows: readonly Row[]): unknown[] =>
  rows.flatMap((row) => columns.map((column) => row[column]));
