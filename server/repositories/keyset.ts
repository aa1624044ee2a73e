import { sql, type Expression, type RawBuilder, type SelectQueryBuilder, type SqlBool } from 'kysely';

/**
 * Keyset paging, one way for every paged list: the list's sort order as parts (a column or an SQL
 * expression, each ascending or descending; the last part unique, usually the id), and `after`,
 * the values of those parts on the last row already sent (services/cursor.ts encodes them). The
 * next page is the rows after that one in this order, found with an indexed comparison, never
 * OFFSET: rows added meanwhile are neither skipped nor repeated.
 */
export interface KeyPart {
  /** A column (`'comments.created_at'`) or an SQL expression. */
  by: string | RawBuilder<unknown>;
  dir: 'asc' | 'desc';
}

const exprOf = (p: KeyPart): Expression<unknown> => (typeof p.by === 'string' ? sql.ref(p.by) : p.by);

/** `(k1 > v1) or (k1 = v1 and ((k2 > v2) or (k2 = v2 and …)))`, each comparison in its part's direction. */
function afterCondition(parts: readonly KeyPart[], values: readonly unknown[]): RawBuilder<SqlBool> {
  const [part, ...rest] = parts;
  if (!part) throw new Error('a keyset needs at least one part');
  if (values.length !== parts.length) throw new Error(`a keyset of ${parts.length} parts got ${values.length} values`);
  const [value, ...more] = values;
  const e = exprOf(part);
  const beyond = part.dir === 'asc' ? sql<SqlBool>`${e} > ${value}` : sql<SqlBool>`${e} < ${value}`;
  if (rest.length === 0) return beyond;
  return sql<SqlBool>`(${beyond} or (${e} = ${value} and ${afterCondition(rest, more)}))`;
}

/** The query in the keyset's order, starting after `after` (null: from the start), at most `limit` rows. */
export function keysetPage<DB, TB extends keyof DB, O>(
  q: SelectQueryBuilder<DB, TB, O>,
  parts: readonly KeyPart[],
  after: readonly unknown[] | null,
  limit: number,
): SelectQueryBuilder<DB, TB, O> {
  let out = after ? q.where(afterCondition(parts, after)) : q;
  for (const p of parts) out = out.orderBy(exprOf(p), p.dir);
  return out.limit(limit);
}

/** A column's position in a fixed order (`case col when 'a' then 0 when 'b' then 1 … end`), to sort by workflow or severity. */
export function rankSql(column: string, order: readonly string[]): RawBuilder<number> {
  const whens = order.map((v, i) => sql`when ${sql.lit(v)} then ${sql.lit(i)}`);
  return sql<number>`case ${sql.ref(column)} ${sql.join(whens, sql` `)} else ${sql.lit(order.length)} end`;
}
