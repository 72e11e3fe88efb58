import { sql, type RawBuilder, type SqlBool } from 'kysely';
import { FilterQueryError } from '../errors.js';
import type { Comparison, FieldPath, FilterExpression } from '../query/ast.js';
import { bindFilter, referencesSource, type BoundExpression } from '../query/bindFilter.js';
import { compileFilter, filterJoins } from '../query/compileFilter.js';
import type { FieldMap } from '../query/fieldMap.js';
import type { FieldSqlContext, TableJoin } from '../query/fieldSql.js';
import type { CompiledFilter } from '../query/listEntities.js';
import { parseFilterQuery } from '../query/parser.js';
import { ARTIFACTS, artifactFields, artifactPath } from './artifactFields.js';

/**
 * A filter split by what it reads (spec 03 §5.2): comparisons on the model, and groups of
 * `artifacts.` comparisons, each group to be satisfied by one artifact.
 */
type SplitNode =
  | { type: 'and' | 'or'; operands: SplitNode[] }
  | { type: 'model'; comparison: Comparison }
  | { type: 'artifact'; comparisons: Comparison[] };

/**
 * Compiles a model filterQuery: `artifacts.` comparisons that are members of the same AND-chain
 * become one semi-join ("the model has an artifact satisfying all of them"); one under an OR is its
 * own semi-join.
 */
export function compileModelFilter(filterQuery: string, namespace: string, modelFields: FieldMap, context: FieldSqlContext): CompiledFilter {
  const split = splitExpression(parseFilterQuery(filterQuery));
  const joins = new Set<TableJoin>();
  let readsGovernanceState = false;
  const compile = (node: SplitNode): RawBuilder<SqlBool> => {
    switch (node.type) {
      case 'and':
      case 'or':
        return sql<SqlBool>`(${sql.join(node.operands.map(compile), node.type === 'and' ? sql` AND ` : sql` OR `)})`;
      case 'model': {
        const bound = bindFilter(node.comparison, modelFields);
        for (const join of filterJoins(bound)) joins.add(join);
        readsGovernanceState ||= referencesSource(bound, 'governanceState');
        return compileFilter(bound, context);
      }
      case 'artifact':
        return sql<SqlBool>`e.id IN (${artifactEntityIds(namespace, compileFilter(bindArtifacts(node.comparisons), context))})`;
    }
  };
  return { condition: compile(split), joins, readsGovernanceState };
}

/**
 * **A** of spec 03 §5.4 step 1: the `artifacts.` comparisons that are direct members of the
 * top-level AND-chain, prefix removed, bound over artifact rows; undefined when there are none.
 */
export function topLevelArtifactFilter(filterQuery: string | undefined): BoundExpression | undefined {
  if (filterQuery === undefined) return undefined;
  const split = splitExpression(parseFilterQuery(filterQuery));
  if (split.type === 'artifact') return bindArtifacts(split.comparisons);
  if (split.type === 'and') {
    const group = split.operands.find((operand) => operand.type === 'artifact');
    if (group?.type === 'artifact') return bindArtifacts(group.comparisons);
  }
  return undefined;
}

/** Binds comparisons (paths without the `artifacts.` prefix) over artifact rows, ANDed. */
export function bindArtifactFilter(filterQuery: string): BoundExpression {
  return bindFilter(rewriteArtifactPaths(parseFilterQuery(filterQuery)), artifactFields);
}

/** `SELECT entity_id` of the namespace's artifact rows satisfying `condition` (artifact rows aliased `e`). */
export function artifactEntityIds(namespace: string, condition: RawBuilder<SqlBool>): RawBuilder<unknown> {
  return sql`SELECT e.entity_id FROM catalog_entity_children AS e
    WHERE e.namespace = ${namespace}::text AND e.collection = ${ARTIFACTS}::text AND ${condition}`;
}

function bindArtifacts(comparisons: Comparison[]): BoundExpression {
  const operands = comparisons.map((comparison) => bindFilter({ ...comparison, field: artifactPath(withoutPrefix(comparison.field)) }, artifactFields));
  return operands.length === 1 ? operands[0] : { type: 'and', operands };
}

function rewriteArtifactPaths(expression: FilterExpression): FilterExpression {
  if (expression.type !== 'comparison') return { ...expression, operands: expression.operands.map(rewriteArtifactPaths) };
  return { ...expression, field: artifactPath(expression.field) };
}

function splitExpression(expression: FilterExpression): SplitNode {
  if (expression.type === 'comparison') {
    return isArtifactPath(expression.field) ? { type: 'artifact', comparisons: [expression] } : { type: 'model', comparison: expression };
  }
  if (expression.type === 'or') return { type: 'or', operands: expression.operands.map(splitExpression) };
  const artifactComparisons: Comparison[] = [];
  const operands: SplitNode[] = [];
  for (const operand of expression.operands) {
    if (operand.type === 'comparison' && isArtifactPath(operand.field)) artifactComparisons.push(operand);
    else operands.push(splitExpression(operand));
  }
  if (artifactComparisons.length > 0) operands.unshift({ type: 'artifact', comparisons: artifactComparisons });
  return operands.length === 1 ? operands[0] : { type: 'and', operands };
}

function isArtifactPath(path: FieldPath): boolean {
  const [head] = path.segments;
  if (head.name !== ARTIFACTS || head.quoted) return false;
  if (path.segments.length === 1) throw new FilterQueryError(path.position, 'field "artifacts" needs a property name, e.g. artifacts.hardware_type');
  return true;
}

function withoutPrefix(path: FieldPath): FieldPath {
  return { ...path, segments: path.segments.slice(1), text: path.text.slice(path.text.indexOf('.') + 1) };
}
