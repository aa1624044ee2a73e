import {
  BinaryOperationNode,
  FunctionNode,
  OperationNodeTransformer,
  OperatorNode,
  PrimitiveValueListNode,
  ValueNode,
  type KyselyPlugin,
  type PostgresCursor,
  type PostgresPool,
  type PostgresPoolClient,
  type PostgresQueryResult,
} from 'kysely';
import type pg from 'pg';

/**
 * PostgreSQL parses, analyses and plans every unnamed statement it is sent, each time: for the
 * session check (four tables joined, on every request and socket event) that is most of its
 * ~0.5 ms. A named (prepared) statement is parsed once per connection (~0.35 ms). Its plan is
 * still made for each call's values (`plan_cache_mode = force_custom_plan` on every connection):
 * PostgreSQL's default switches a statement to one generic plan after five calls when it judges
 * that plan as good for the average values, and Debrief's rows are very uneven across clients
 * (one client may hold most of a table): at full size, generic plans made the busy client's portal
 * dashboard 13× slower (README, "On PostgreSQL").
 *
 * This pool hands Kysely connections that send a statement named once its text has been sent
 * PREPARE_AFTER times: the hot statements, whose text is fixed (values travel apart; `in` lists
 * too, below). At most MAX_PREPARED texts are named, so each connection holds a bounded set: a
 * prepared statement keeps ~40–70 KB of its backend's memory with its plan (measured: the session
 * check and a catch-up's five reads, 396 KB), so at most ~8 MB a connection. Statements without
 * values (`begin`, `commit`, DDL) are never named: they go by the simple protocol, in one round
 * trip.
 *
 * A prepared statement outlives a schema change on its connection only as long as its result's
 * columns stay the same ("cached plan must not change result type"), and a connection reset
 * forgets it: a connection that met either error is dropped when it is released, so the next
 * statement runs on a fresh one.
 */
export const PREPARE_AFTER = 3;
export const MAX_PREPARED = 128;
/** How many texts not yet named are counted at most (then the counts start over). */
const MAX_COUNTED = 4096;

/** The errors after which a connection's prepared statements can't be trusted. */
const stale = (err: unknown) => {
  const code = (err as { code?: unknown } | null)?.code;
  return code === '26000' || (code === '0A000' && /cached plan/.test(String((err as Error).message)));
};

export function preparingPool(pool: pg.Pool): PostgresPool {
  const names = new Map<string, string>();
  const counts = new Map<string, number>();
  function nameOf(text: string): string | undefined {
    const name = names.get(text);
    if (name !== undefined || names.size >= MAX_PREPARED) return name;
    const n = (counts.get(text) ?? 0) + 1;
    if (n < PREPARE_AFTER) {
      if (counts.size >= MAX_COUNTED) counts.clear();
      counts.set(text, n);
      return undefined;
    }
    counts.delete(text);
    const fresh = `debrief_${names.size + 1}`;
    names.set(text, fresh);
    return fresh;
  }

  // One wrapper per pooled connection: Kysely keeps its own state per client object.
  const wrapped = new WeakMap<pg.PoolClient, PostgresPoolClient>();
  function wrap(client: pg.PoolClient): PostgresPoolClient {
    let broken: Error | undefined;
    function query<R>(sql: string, parameters: ReadonlyArray<unknown>): Promise<PostgresQueryResult<R>>;
    function query<R>(cursor: PostgresCursor<R>): PostgresCursor<R>;
    function query(what: string | PostgresCursor<unknown>, parameters?: ReadonlyArray<unknown>): unknown {
      if (typeof what !== 'string') return client.query(what as never);
      const values = parameters ? [...parameters] : [];
      const name = values.length > 0 ? nameOf(what) : undefined;
      if (name === undefined) return client.query(what, values);
      return client.query({ name, text: what, values }).catch((err: unknown) => {
        if (stale(err)) broken = err as Error;
        throw err;
      });
    }
    return { query, release: () => client.release(broken) };
  }

  return {
    async connect() {
      const client = await pool.connect();
      let w = wrapped.get(client);
      if (!w) {
        // A new connection: every statement planned for its own values, as unprepared ones are.
        await client.query('set plan_cache_mode = force_custom_plan').catch((err: unknown) => {
          client.release(err as Error);
          throw err;
        });
        wrapped.set(client, (w = wrap(client)));
      }
      return w;
    },
    end: () => pool.end(),
  };
}

/**
 * `x in ($1, $2, …)` has one text per length of its list, so it would rarely be prepared (and
 * its variants would use up MAX_PREPARED). On PostgreSQL it is sent as `x = any($1)` with the list
 * as one array value, `not in` as `<> all($1)`: the SQL standard's own definition of `in`, the
 * same plan (PostgreSQL turns a list into an array comparison itself), one text for every length.
 * An empty list matches nothing (it was a syntax error). Lists of expressions and subqueries are
 * left as they are.
 */
class InListsAsArrays extends OperationNodeTransformer {
  protected override transformBinaryOperation(node: BinaryOperationNode): BinaryOperationNode {
    const t = super.transformBinaryOperation(node);
    const op = OperatorNode.is(t.operator) ? t.operator.operator : undefined;
    if ((op !== 'in' && op !== 'not in') || !PrimitiveValueListNode.is(t.rightOperand)) return t;
    const [compare, quantifier] = op === 'in' ? (['=', 'any'] as const) : (['<>', 'all'] as const);
    return BinaryOperationNode.create(
      t.leftOperand,
      OperatorNode.create(compare),
      FunctionNode.create(quantifier, [ValueNode.create([...t.rightOperand.values])]),
    );
  }
}
const inLists = new InListsAsArrays();
export const inListsAsArrays: KyselyPlugin = {
  transformQuery: ({ node }) => inLists.transformNode(node),
  transformResult: async ({ result }) => result,
};
