import { CommonEntityFields, definePlugin, Enum, type PluginDeclaration } from '@catalog/framework';
import { Type } from '@sinclair/typebox';
import type { TestServer } from './testServer.js';

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

/** The `parts` test plugin with a health hook the test flips (01 §5.4). */
export function flippablePlugin(): { plugin: PluginDeclaration; health: { healthy: boolean } } {
  const health = { healthy: true };
  return { plugin: { ...partsPlugin, health: async () => health.healthy }, health };
}

/** Polls discovery until `parts` reports `healthy`; returns the milliseconds it took. */
export async function untilPartsHealthIs(t: TestServer, healthy: boolean, query = ''): Promise<number> {
  const started = Date.now();
  for (;;) {
    const body = JSON.parse((await t.inject(`/api/plugins${query}`)).body) as { plugins: { name: string; healthy: boolean }[] };
    if (body.plugins.find((p) => p.name === 'parts')?.healthy === healthy) return Date.now() - started;
    if (Date.now() - started > 10_000) throw new Error(`parts never reported healthy: ${healthy}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
