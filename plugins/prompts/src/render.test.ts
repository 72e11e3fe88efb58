import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ActionContext } from '@catalog/framework';
import { parse } from 'yaml';
import plugin, { renderAction, RenderError, renderPromptTemplate, type PromptTemplate } from './index.js';

const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));

/** The `incident-summary` example of spec 02 §5.2, kept here as a fixture independent of the sample file. */
const INCIDENT_SUMMARY: PromptTemplate = {
  name: 'incident-summary',
  description: 'Turns an incident timeline into a short status update for stakeholders.',
  format: 'completion',
  template: 'Write a {{tone}} status update of at most {{maxWords}} words for this incident.\nTimeline:\n{{timeline}}\n',
  taskTags: ['summarization', 'operations'],
  version: '1.2.0',
  author: 'SRE Guild',
  license: 'Apache-2.0',
  parametersSchema: {
    type: 'object',
    properties: {
      timeline: { type: 'string' },
      tone: { type: 'string', enum: ['neutral', 'reassuring'], default: 'neutral' },
      maxWords: { type: 'integer', default: 120 },
    },
    required: ['timeline'],
  },
  modelConstraints: { compatibleModelFamilies: ['granite', 'llama'], minContextTokens: 8192 },
};

function context(entity: PromptTemplate | undefined): ActionContext {
  return {
    namespace: 'default',
    plugin: 'prompts',
    kind: 'PromptTemplate',
    target: entity?.name ?? 'missing',
    ...(entity ? { entity: entity as unknown as Record<string, unknown> } : {}),
    dryRun: false,
  };
}

function prompt(format: PromptTemplate['format'], template: string, parametersSchema?: Record<string, unknown>): PromptTemplate {
  return { name: 'fixture', format, template, ...(parametersSchema ? { parametersSchema } : {}) };
}

/** Asserts a RenderError with the given status, code and message (and details when given). */
function rejects(
  fn: () => unknown,
  expected: { code: 'bad_request' | 'unsupported_template_syntax'; message: string | RegExp; details?: unknown },
): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof RenderError, `expected a RenderError, got ${String(error)}`);
    assert.ok(error instanceof Error);
    assert.equal(error.statusCode, 400);
    assert.equal(error.code, expected.code);
    if (typeof expected.message === 'string') assert.equal(error.message, expected.message);
    else assert.match(error.message, expected.message);
    assert.deepEqual(error.details, expected.details);
    return true;
  });
}

test('render of the §5.2 incident-summary fills defaults and answers with the §5.4 result', async () => {
  const result = await plugin.actions![0].handler(context(INCIDENT_SUMMARY), { parameters: { timeline: '…' } });
  assert.deepEqual(result, {
    status: 'completed',
    message: 'rendered prompt template incident-summary',
    data: {
      format: 'completion',
      rendered: 'Write a neutral status update of at most 120 words for this incident.\nTimeline:\n…\n',
      parameters: { timeline: '…', tone: 'neutral', maxWords: 120 },
    },
  });
});

test('given parameters win over defaults, and defaults are copies of the schema values', () => {
  const out = renderPromptTemplate(INCIDENT_SUMMARY, { timeline: 't', tone: 'reassuring', maxWords: 80 });
  assert.equal(out.rendered, 'Write a reassuring status update of at most 80 words for this incident.\nTimeline:\nt\n');

  const schema = { properties: { list: { type: 'array', default: ['a'] } } };
  const first = renderPromptTemplate(prompt('completion', '{{list}}', schema), {});
  (first.parameters.list as string[]).push('mutated');
  assert.deepEqual(schema.properties.list.default, ['a']);
  assert.equal(renderPromptTemplate(prompt('completion', '{{list}}', schema), {}).rendered, '["a"]');
});

test('parameter validation failures are 400 bad_request with details (§5.4 step 3)', () => {
  rejects(() => renderPromptTemplate(INCIDENT_SUMMARY, {}), {
    code: 'bad_request',
    message: 'invalid parameters: timeline is required',
    details: [{ parameter: 'timeline', message: 'is required' }],
  });
  rejects(() => renderPromptTemplate(INCIDENT_SUMMARY, { timeline: 't', maxWords: 'many' }), {
    code: 'bad_request',
    message: 'invalid parameters: maxWords must be of type integer, got string',
    details: [{ parameter: 'maxWords', message: 'must be of type integer, got string' }],
  });
  rejects(() => renderPromptTemplate(INCIDENT_SUMMARY, { timeline: 't', maxWords: 1.5 }), {
    code: 'bad_request',
    message: 'invalid parameters: maxWords must be of type integer, got number',
    details: [{ parameter: 'maxWords', message: 'must be of type integer, got number' }],
  });
  rejects(() => renderPromptTemplate(INCIDENT_SUMMARY, { timeline: 't', tone: 'angry' }), {
    code: 'bad_request',
    message: 'invalid parameters: tone must be one of: neutral, reassuring',
    details: [{ parameter: 'tone', message: 'must be one of: neutral, reassuring' }],
  });
  // Several problems are reported together: required ones first, then in parameter order.
  rejects(() => renderPromptTemplate(INCIDENT_SUMMARY, { tone: 3, maxWords: null }), {
    code: 'bad_request',
    message: 'invalid parameters: timeline is required; tone must be of type string, got number; maxWords must be of type integer, got null',
    details: [
      { parameter: 'timeline', message: 'is required' },
      { parameter: 'tone', message: 'must be of type string, got number' },
      { parameter: 'maxWords', message: 'must be of type integer, got null' },
    ],
  });
});

test('each type of the documented subset is checked, and other keywords are ignored', () => {
  const schema = {
    type: 'object',
    properties: {
      s: { type: 'string', minLength: 100 },
      i: { type: 'integer', minimum: 10 },
      n: { type: 'number' },
      b: { type: 'boolean' },
      a: { type: 'array', items: { type: 'integer' } },
      o: { type: 'object', properties: { x: { type: 'string' } } },
      u: { type: ['string', 'null'] },
      e: { enum: [1, 'one', { n: 1 }] },
    },
  };
  const template = prompt('completion', '{{s}}|{{i}}|{{n}}|{{b}}|{{a}}|{{o}}|{{u}}|{{e}}', schema);
  const good = { s: 'short', i: 1, n: 2.5, b: false, a: ['not', 'ints'], o: { x: 1 }, u: 7, e: { n: 1 } };
  assert.equal(renderPromptTemplate(template, good).rendered, 'short|1|2.5|false|["not","ints"]|{"x":1}|7|{"n":1}');

  const wrong = { s: 1, i: '1', n: '2', b: 'true', a: {}, o: [], u: 7, e: 2 };
  const problems = (() => {
    try {
      renderPromptTemplate(template, wrong);
    } catch (error) {
      return (error as RenderError).details?.map((d) => d.parameter);
    }
    return undefined;
  })();
  assert.deepEqual(problems, ['s', 'i', 'n', 'b', 'a', 'o', 'e']);
});

test('additionalProperties: false refuses undeclared parameters; without it they are kept', () => {
  const closed = prompt('completion', '{{a}}', { type: 'object', additionalProperties: false, properties: { a: { type: 'string' } } });
  rejects(() => renderPromptTemplate(closed, { a: 'x', extra: 1 }), {
    code: 'bad_request',
    message: 'invalid parameters: extra is not declared in parametersSchema',
    details: [{ parameter: 'extra', message: 'is not declared in parametersSchema' }],
  });
  const open = prompt('completion', '{{a}} {{extra}}', { type: 'object', properties: { a: { type: 'string' } } });
  assert.deepEqual(renderPromptTemplate(open, { a: 'x', extra: 1 }), {
    format: 'completion',
    rendered: 'x 1',
    parameters: { a: 'x', extra: 1 },
  });
});

test('placeholders without a value are 400 unresolved placeholders, listed once in order (§5.4 step 4)', () => {
  rejects(() => renderPromptTemplate(prompt('completion', '{{b}} {{ a }} {{b}} {{c.d}} {{ok}}'), { ok: 'y', c: 'not an object' }), {
    code: 'bad_request',
    message: 'unresolved placeholders: b, a, c.d',
  });
  // null has no defined textual form; it counts as missing rather than rendering "null".
  rejects(() => renderPromptTemplate(prompt('completion', '{{a}}'), { a: null }), {
    code: 'bad_request',
    message: 'unresolved placeholders: a',
  });
  // Paths follow own members only: nothing is read from prototypes.
  rejects(() => renderPromptTemplate(prompt('completion', '{{constructor}} {{a.toString}} {{a.__proto__}}'), { a: {} }), {
    code: 'bad_request',
    message: 'unresolved placeholders: constructor, a.toString, a.__proto__',
  });
});

test('values render as strings verbatim, numbers and booleans as JSON, arrays and objects as compact JSON', () => {
  const out = renderPromptTemplate(
    prompt('handlebars', '{{s}};{{i}};{{f}};{{t}};{{arr}};{{obj}};{{obj.inner.deep}};{{html}};{{dollar}};{{nested}}'),
    {
      s: 'plain text',
      i: 42,
      f: -0.5,
      t: true,
      arr: [1, 'two', { three: 3 }],
      obj: { inner: { deep: 'value' }, list: [] },
      html: '<b>"quoted" & \'single\'</b>',
      dollar: "$& $1 $' $`",
      nested: '{{s}} stays as written',
    },
  );
  assert.equal(
    out.rendered,
    'plain text;42;-0.5;true;[1,"two",{"three":3}];{"inner":{"deep":"value"},"list":[]};value;' +
      '<b>"quoted" & \'single\'</b>;$& $1 $\' $`;{{s}} stays as written',
  );
});

test('placeholder spacing and line breaks inside the braces are accepted', () => {
  const out = renderPromptTemplate(prompt('jinja2', '{{a}}-{{ a }}-{{   a.b_2   }}-{{\n  a\n}}'), { a: { b_2: 'x' } });
  assert.equal(out.rendered, '{"b_2":"x"}-{"b_2":"x"}-x-{"b_2":"x"}');
  // Text that only looks like braces is left alone.
  assert.equal(renderPromptTemplate(prompt('completion', 'a { b } {c} }} {{x'), {}).rendered, 'a { b } {c} }} {{x');
});

test('jinja2 statements and comments are unsupported_template_syntax (§5.4 step 1)', () => {
  rejects(() => renderPromptTemplate(prompt('jinja2', '{% if urgent %}Urgent: {% endif %}{{ text }}'), { text: 'x' }), {
    code: 'unsupported_template_syntax',
    message: 'unsupported template syntax "{%" in jinja2 template: only {{ name }} placeholders are supported',
  });
  rejects(() => renderPromptTemplate(prompt('jinja2', '{{ text }} {# reviewer note #} {% raw %}'), { text: 'x' }), {
    code: 'unsupported_template_syntax',
    message: 'unsupported template syntax "{#" in jinja2 template: only {{ name }} placeholders are supported',
  });
  // The markers are Jinja syntax only: other formats treat them as text.
  assert.equal(renderPromptTemplate(prompt('completion', 'Use {% and {# freely: {{a}}'), { a: 1 }).rendered, 'Use {% and {# freely: 1');
});

test('handlebars blocks, partials and comments are unsupported_template_syntax', () => {
  for (const [template, marker] of [
    ['{{#each items}}{{this}}{{/each}}', '{{#'],
    ['text {{/if}}', '{{/'],
    ['{{> header}} body', '{{>'],
    ['{{! author note }}{{name}}', '{{!'],
  ] as const) {
    rejects(() => renderPromptTemplate(prompt('handlebars', template), { name: 'x' }), {
      code: 'unsupported_template_syntax',
      message: `unsupported template syntax "${marker}" in handlebars template: only {{ name }} placeholders are supported`,
    });
  }
});

test('any placeholder whose inner text is not a dotted name is unsupported, in every non-raw format', () => {
  const cases: [PromptTemplate['format'], string, string][] = [
    ['jinja2', 'Hi {{ name | upper }}', '{{ name | upper }}'],
    ['completion', '{{}}', '{{}}'],
    ['chat_messages', '[user]\n{{ user.name() }}', '{{ user.name() }}'],
    ['handlebars', '{{{raw}}}', '{{{raw}}'],
    ['completion', '{{ 1st }}', '{{ 1st }}'],
    ['completion', '{{ a..b }}', '{{ a..b }}'],
    ['completion', '{{ a.b. }}', '{{ a.b. }}'],
    ['jinja2', '{{ items[0] }}', '{{ items[0] }}'],
    ['handlebars', '{{ .Values.image.tag }}', '{{ .Values.image.tag }}'],
    ['completion', '{{ first\n  second }}', '{{ first second }}'],
  ];
  for (const [format, template, shown] of cases) {
    rejects(() => renderPromptTemplate(prompt(format, template), {}), {
      code: 'unsupported_template_syntax',
      message: `unsupported template syntax "${shown}": only {{ name }} placeholders are supported`,
    });
  }
  const long = `{{ ${'x + '.repeat(30)}y }}`;
  rejects(() => renderPromptTemplate(prompt('completion', long), {}), {
    code: 'unsupported_template_syntax',
    message: /^unsupported template syntax "\{\{ x \+ x \+ .{40,}\.\.\.": only/,
  });
});

test('syntax errors come before parameter errors', () => {
  const schema = { type: 'object', properties: { a: { type: 'string' } }, required: ['a'] };
  rejects(() => renderPromptTemplate(prompt('jinja2', '{% if a %}{{ a }}{% endif %}', schema), {}), {
    code: 'unsupported_template_syntax',
    message: 'unsupported template syntax "{%" in jinja2 template: only {{ name }} placeholders are supported',
  });
});

test('raw templates come back verbatim, with parameters still validated and defaulted', () => {
  const template = 'Keep {{ .Values.tag }}, {% if %}, {{#each}} and {{missing}} as written.';
  const schema = {
    type: 'object',
    additionalProperties: false,
    properties: { audience: { type: 'string', default: 'sre' }, level: { type: 'integer' } },
    required: ['level'],
  };
  assert.deepEqual(renderPromptTemplate(prompt('raw', template, schema), { level: 2 }), {
    format: 'raw',
    rendered: template,
    parameters: { level: 2, audience: 'sre' },
  });
  rejects(() => renderPromptTemplate(prompt('raw', template, schema), { level: 'two' }), {
    code: 'bad_request',
    message: 'invalid parameters: level must be of type integer, got string',
    details: [{ parameter: 'level', message: 'must be of type integer, got string' }],
  });
  assert.equal(renderPromptTemplate(prompt('raw', template), { anything: 1 }).rendered, template);
});

test('a template without parametersSchema renders from the given parameters alone', () => {
  assert.deepEqual(renderPromptTemplate(prompt('chat_messages', '[user]\n{{q}}'), { q: 'hi' }), {
    format: 'chat_messages',
    rendered: '[user]\nhi',
    parameters: { q: 'hi' },
  });
});

test('the action handler reads params {parameters?: object} and guards its inputs', async () => {
  const noParams = await renderAction(context(prompt('completion', 'static text')), undefined);
  assert.deepEqual(noParams.data, { format: 'completion', rendered: 'static text', parameters: {} });
  const emptyParams = await renderAction(context(prompt('completion', 'static text')), {});
  assert.deepEqual(emptyParams.data, noParams.data);

  await assert.rejects(renderAction(context(INCIDENT_SUMMARY), { parameters: 'timeline=x' }), (error: unknown) => {
    assert.ok(error instanceof RenderError);
    assert.equal(error.statusCode, 400);
    assert.equal(error.code, 'bad_request');
    assert.equal(error.message, 'invalid parameters parameter: "parameters" must be an object, got string');
    return true;
  });
  await assert.rejects(renderAction(context(INCIDENT_SUMMARY), [1]), /params must be an object, got array/);
  // The framework always passes the entity of an asset action; its absence is a server fault, not a 400.
  await assert.rejects(renderAction(context(undefined), {}), (error: unknown) => !(error instanceof RenderError));
  // Rendering never changes the stored entity.
  const before = JSON.stringify(INCIDENT_SUMMARY);
  await renderAction(context(INCIDENT_SUMMARY), { parameters: { timeline: 'x' } });
  assert.equal(JSON.stringify(INCIDENT_SUMMARY), before);
});

// ---------------------------------------------------------------------------------------------
// The shipped samples (spec 02 §10.3): every template renders with its documented example
// parameters (docs/sample-data.md, section `prompts`) and with the inputs of its `examples`.

function samplePrompts(): PromptTemplate[] {
  const dir = plugin.dataDir!;
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .flatMap((f) => (parse(readFileSync(join(dir, f), 'utf8')) as { prompttemplates: PromptTemplate[] }).prompttemplates);
}

function documentedParameters(): Map<string, Record<string, unknown>> {
  const doc = readFileSync(join(repoRoot, 'docs', 'sample-data.md'), 'utf8');
  const section = doc.split(/^## /m).find((s) => s.startsWith('`prompts`'));
  assert.ok(section, 'section "## `prompts`" not found in docs/sample-data.md');
  const rows = [...section.matchAll(/^\| `([^`]+)` \| `(\{.*\})` \|$/gm)];
  return new Map(rows.map(([, name, json]) => [name, JSON.parse(json) as Record<string, unknown>]));
}

test('every sample template renders with its documented example parameters', async () => {
  const prompts = samplePrompts();
  const documented = documentedParameters();
  assert.deepEqual([...documented.keys()].sort(), prompts.map((p) => p.name).sort(), 'docs list exactly the sample templates');
  for (const entry of prompts) {
    const result = await renderAction(context(entry), { parameters: documented.get(entry.name) });
    const data = result.data as { rendered: string; format: string };
    assert.equal(result.status, 'completed');
    assert.equal(result.message, `rendered prompt template ${entry.name}`);
    assert.equal(data.format, entry.format);
    if (entry.format === 'raw') assert.equal(data.rendered, entry.template, entry.name);
    else assert.doesNotMatch(data.rendered, /\{\{/, `${entry.name} left a placeholder`);
  }
});

test('the sample incident-summary renders as spec 02 §5.2 and §12 item 23 describe', () => {
  const entry = samplePrompts().find((p) => p.name === 'incident-summary')!;
  assert.equal(entry.template, INCIDENT_SUMMARY.template);
  assert.equal(
    renderPromptTemplate(entry, { timeline: '…' }).rendered,
    'Write a neutral status update of at most 120 words for this incident.\nTimeline:\n…\n',
  );
});

test('every sample example renders with its inputs', () => {
  let rendered = 0;
  for (const entry of samplePrompts()) {
    for (const example of entry.examples ?? []) {
      renderPromptTemplate(entry, (example.inputs ?? {}) as Record<string, unknown>);
      rendered++;
    }
  }
  assert.ok(rendered >= 2);
});
