import { sql, type RawBuilder, type SqlBool } from 'kysely';
import type { KindDeclaration } from '@catalog/framework';
import type { BoundComparison } from './bindFilter.js';
import { compileFilter } from './compileFilter.js';
import type { FieldMap } from './fieldMap.js';
import type { FieldSqlContext } from './fieldSql.js';
import { escapeLikeText } from './likePattern.js';
import { isStorableText } from './textValues.js';

/**
 * The keyword search `q` (spec 01 §10.6): a case-insensitive substring of any search field of the
 * kind or of an overlay tag; `%`, `_` and `\` in `q` are literal.
 */
export function compileSearch(q: string, kind: KindDeclaration, fields: FieldMap, context: FieldSqlContext): RawBuilder<SqlBool> {
  if (!isStorableText(q)) return sql<SqlBool>`false`;
  const names = new Set([...(kind.searchFields ?? kind.uiHints.search?.searchableFields ?? ['name', 'description']), 'tags']);
  const lowerPattern = `%${escapeLikeText(q.toLowerCase())}%`;
  const alternatives: RawBuilder<SqlBool>[] = [];
  for (const name of names) {
    const field = fields.resolveSearchField(name);
    if (!field) continue;
    if (field.source.kind === 'name') {
      // name_lower is lower-cased the same way as the pattern, and a trigram index can serve it.
      alternatives.push(sql<SqlBool>`e.name_lower LIKE ${lowerPattern}::text`);
      continue;
    }
    const comparison: BoundComparison = {
      type: 'comparison',
      field,
      negated: false,
      test: { kind: 'like', pattern: lowerPattern, caseInsensitive: true },
    };
    alternatives.push(compileFilter(comparison, context));
  }
  return sql<SqlBool>`(${sql.join(alternatives, sql` OR `)})`;
}
