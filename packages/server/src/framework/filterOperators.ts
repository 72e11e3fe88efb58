import type { FilterFieldType } from '@catalog/framework';

/** The operator set advertised per filter type (spec 01 §8.3, 02 §1.3). */
export const FILTER_OPERATORS: Record<FilterFieldType, string[]> = {
  text: ['=', '!=', 'LIKE', 'ILIKE', 'IN'],
  select: ['=', '!=', 'IN'],
  multiselect: ['IN', 'NOT IN'],
  boolean: ['=', '!='],
  number: ['=', '!=', '>', '<', '>=', '<='],
};
