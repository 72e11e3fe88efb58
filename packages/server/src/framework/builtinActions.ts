import type { ActionParameter } from '@catalog/framework';

/** Action definitions every plugin has (spec 02 §2.8, 04 §16), as published in capabilities. */
export interface ActionDefinition {
  id: string;
  displayName: string;
  description: string;
  scope: 'source' | 'asset';
  supportsDryRun: boolean;
  idempotent: boolean;
  destructive?: boolean;
  parameters?: ActionParameter[];
}

export const BUILTIN_ACTIONS: readonly ActionDefinition[] = [
  {
    id: 'tag', displayName: 'Tag', description: 'Add or replace tags on an entity', scope: 'asset',
    supportsDryRun: true, idempotent: true,
    parameters: [{ name: 'tags', type: 'tags', label: 'Tags', required: true, description: 'The complete tag set of the entity' }],
  },
  {
    id: 'annotate', displayName: 'Annotate', description: 'Add or update annotations on an entity', scope: 'asset',
    supportsDryRun: true, idempotent: true,
    parameters: [{ name: 'annotations', type: 'key-value', label: 'Annotations', required: true, description: 'String annotations merged into the entity' }],
  },
  {
    id: 'deprecate', displayName: 'Deprecate', description: 'Mark an entity as deprecated', scope: 'asset',
    supportsDryRun: true, idempotent: true,
    parameters: [{ name: 'phase', type: 'string', label: 'Phase', required: false, defaultValue: 'deprecated' }],
  },
  {
    id: 'refresh', displayName: 'Refresh', description: 'Refresh entities from a source', scope: 'source',
    supportsDryRun: false, idempotent: true, parameters: [],
  },
];
