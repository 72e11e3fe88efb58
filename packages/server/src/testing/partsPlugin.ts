import { CommonEntityFields, definePlugin, Enum, type PluginDeclaration } from '@catalog/framework';
import { Type } from '@sinclair/typebox';

/** A one-kind test plugin (`parts`, yaml and http sources) for refresh and job tests. */
export const partsPlugin: PluginDeclaration = definePlugin({
  name: 'parts', version: 'v1alpha1', displayName: 'Parts', description: 'Parts', icon: 'wrench', sourceTypes: ['yaml', 'http'],
  entities: [{
    kind: 'Part', plural: 'parts', displayName: 'Part', description: 'A part', notFoundPhrase: 'part',
    schema: Type.Object({ ...CommonEntityFields, material: Enum(['steel', 'wood']) }, { additionalProperties: false }),
    fields: { columns: [{ name: 'name', displayName: 'Name', path: 'name', type: 'string' as const, sortable: true }], filterFields: [], detailFields: [] },
    uiHints: { icon: 'wrench', nameField: 'name', detailSections: [] }, cliDefaultColumns: ['name'],
  }],
});

/** `parts:` YAML with `count` generated entries named `<prefix>-<i>`. */
export function partsYaml(count: number, prefix = 'part', material: 'steel' | 'wood' = 'steel'): string {
  const lines = ['parts:'];
  for (let i = 0; i < count; i++) lines.push(`  - {name: ${prefix}-${i}, material: ${material}}`);
  return `${lines.join('\n')}\n`;
}
