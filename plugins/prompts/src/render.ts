import { isDeepStrictEqual } from 'node:util';

/**
 * The `render` action of spec 02 §5.4: fills a prompt template's `{{ name }}` placeholders with
 * parameter values. It deliberately implements no template language: anything beyond plain and
 * dotted placeholders is refused with `unsupported_template_syntax`, so a template written for a
 * real Jinja or Handlebars engine is never rendered wrongly in silence.
 */

/** Formats of spec 02 §5.1, in schema order. */
export const PROMPT_FORMATS = ['chat_messages', 'completion', 'jinja2', 'handlebars', 'raw'] as const;
export type PromptFormat = (typeof PROMPT_FORMATS)[number];

/** A placeholder's inner text (trimmed) must be a plain or dotted name (spec 02 §5.4 step 1). */
export const PLACEHOLDER_NAME = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;

/** Any `{{ … }}`; non-greedy so that `{{a}} {{b}}` is two placeholders, and `[\s\S]` spans lines. */
const PLACEHOLDER = /\{\{([\s\S]*?)\}\}/g;

/** Statement and comment markers of the engines whose syntax looks like placeholders but is not. */
const UNSUPPORTED_MARKERS: Partial<Record<PromptFormat, readonly string[]>> = {
  jinja2: ['{%', '{#'],
  handlebars: ['{{#', '{{/', '{{>', '{{!'],
};

/** The `type` values of the documented validation subset (spec 02 §5.4 step 3); others are not checked. */
const CHECKED_TYPES = new Set(['string', 'integer', 'number', 'boolean', 'array', 'object']);

/** One failed parameter check, served in the error body's `details`. */
export interface ParameterProblem {
  parameter: string;
  message: string;
}

/**
 * A failed render with what the error envelope of spec 01 §7 needs: the HTTP status, the `error`
 * code and, for parameter validation failures only, `details` (the one extra field 01 §7 allows here).
 */
export class RenderError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: 'bad_request' | 'unsupported_template_syntax',
    message: string,
    readonly details?: ParameterProblem[],
  ) {
    super(message);
    this.name = 'RenderError';
  }
}

/** The parts of a prompt template entry that rendering reads. */
export interface RenderablePrompt {
  format: PromptFormat;
  template: string;
  parametersSchema?: Record<string, unknown>;
}

export interface RenderOutput {
  format: PromptFormat;
  rendered: string;
  /** The given parameters plus the schema defaults that filled the gaps. */
  parameters: Record<string, unknown>;
}

/**
 * Renders a template following spec 02 §5.4: syntax check, defaults, validation, substitution.
 * A `raw` template is returned verbatim, but its parameters are still validated.
 * Throws `RenderError` for every failure the spec assigns a 400 to.
 */
export function renderPromptTemplate(prompt: RenderablePrompt, given: Record<string, unknown>): RenderOutput {
  const raw = prompt.format === 'raw';
  // Step 1 runs before parameters are looked at: a template that cannot render fails the same way
  // whatever the caller sends.
  if (!raw) templatePlaceholders(prompt.format, prompt.template);
  const parameters = effectiveParameters(prompt.parametersSchema, given);
  const problems = validateParameters(prompt.parametersSchema, parameters);
  if (problems.length > 0) {
    throw new RenderError(
      400,
      'bad_request',
      `invalid parameters: ${problems.map((p) => `${p.parameter} ${p.message}`).join('; ')}`,
      problems,
    );
  }
  const rendered = raw ? prompt.template : substitute(prompt.template, parameters);
  return { format: prompt.format, rendered, parameters };
}

/**
 * The placeholder names of a template in order of first appearance, after the syntax check of
 * step 1. Exported so that sample-data tests can verify every placeholder is declared.
 */
export function templatePlaceholders(format: PromptFormat, template: string): string[] {
  const marker = firstMarker(template, UNSUPPORTED_MARKERS[format] ?? []);
  if (marker !== undefined) {
    throw new RenderError(
      400,
      'unsupported_template_syntax',
      `unsupported template syntax "${marker}" in ${format} template: only {{ name }} placeholders are supported`,
    );
  }
  const names: string[] = [];
  for (const match of template.matchAll(PLACEHOLDER)) {
    const name = match[1].trim();
    if (!PLACEHOLDER_NAME.test(name)) {
      throw new RenderError(
        400,
        'unsupported_template_syntax',
        `unsupported template syntax "${excerpt(match[0])}": only {{ name }} placeholders are supported`,
      );
    }
    if (!names.includes(name)) names.push(name);
  }
  return names;
}

/** The earliest of the given markers in the template, so the message names what the author wrote first. */
function firstMarker(template: string, markers: readonly string[]): string | undefined {
  let found: { marker: string; at: number } | undefined;
  for (const marker of markers) {
    const at = template.indexOf(marker);
    if (at >= 0 && (found === undefined || at < found.at)) found = { marker, at };
  }
  return found?.marker;
}

/** Long placeholders (a whole Jinja expression) are shortened so the message stays one line. */
function excerpt(text: string): string {
  const oneLine = text.replace(/\s+/g, ' ');
  return oneLine.length > 60 ? `${oneLine.slice(0, 57)}...` : oneLine;
}

/** Step 2: given parameters plus the `default` of every declared property that was not given. */
function effectiveParameters(schema: Record<string, unknown> | undefined, given: Record<string, unknown>): Record<string, unknown> {
  const parameters: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(given)) defineOwn(parameters, key, value);
  for (const [key, property] of Object.entries(propertiesOf(schema))) {
    if (!Object.hasOwn(parameters, key) && isObject(property) && Object.hasOwn(property, 'default')) {
      // A copy, so the caller can never reach (and mutate) the stored entity's schema through the result.
      defineOwn(parameters, key, structuredClone(property.default));
    }
  }
  return parameters;
}

/**
 * Step 3, the documented subset: `required`; per-property `type` (the six JSON types of
 * CHECKED_TYPES); `enum`; `additionalProperties: false`. Every other keyword is ignored, nested
 * properties included, because the catalog is not a JSON Schema engine.
 */
function validateParameters(schema: Record<string, unknown> | undefined, parameters: Record<string, unknown>): ParameterProblem[] {
  if (!isObject(schema)) return [];
  const properties = propertiesOf(schema);
  const problems: ParameterProblem[] = [];
  if (Array.isArray(schema.required)) {
    for (const name of schema.required) {
      if (typeof name === 'string' && !Object.hasOwn(parameters, name)) problems.push({ parameter: name, message: 'is required' });
    }
  }
  for (const [name, value] of Object.entries(parameters)) {
    const property = Object.hasOwn(properties, name) ? properties[name] : undefined;
    if (!isObject(property)) {
      if (property === undefined && schema.additionalProperties === false) {
        problems.push({ parameter: name, message: 'is not declared in parametersSchema' });
      }
      continue;
    }
    if (typeof property.type === 'string' && CHECKED_TYPES.has(property.type) && !hasType(value, property.type)) {
      problems.push({ parameter: name, message: `must be of type ${property.type}, got ${jsonType(value)}` });
    } else if (Array.isArray(property.enum) && !property.enum.some((allowed) => isDeepStrictEqual(allowed, value))) {
      const allowed = property.enum.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join(', ');
      problems.push({ parameter: name, message: `must be one of: ${allowed}` });
    }
  }
  return problems;
}

/**
 * Step 4: one pass over the template, so a parameter value that itself contains `{{ x }}` is
 * inserted as text and never expanded (no injection through values).
 */
function substitute(template: string, parameters: Record<string, unknown>): string {
  const unresolved: string[] = [];
  const rendered = template.replace(PLACEHOLDER, (_match, inner: string) => {
    const name = inner.trim();
    const value = valueAt(parameters, name);
    // `null` has no textual form the spec defines; rendering the word "null" into a prompt would
    // hide a missing value, so it counts as unresolved.
    if (value === undefined || value === null) {
      if (!unresolved.includes(name)) unresolved.push(name);
      return '';
    }
    return typeof value === 'string' ? value : JSON.stringify(value);
  });
  if (unresolved.length > 0) throw new RenderError(400, 'bad_request', `unresolved placeholders: ${unresolved.join(', ')}`);
  return rendered;
}

/** The value at a dotted path, following own properties of objects only (never prototypes or arrays). */
function valueAt(parameters: Record<string, unknown>, path: string): unknown {
  let current: unknown = parameters;
  for (const segment of path.split('.')) {
    if (!isObject(current) || !Object.hasOwn(current, segment)) return undefined;
    current = current[segment];
  }
  return current;
}

function propertiesOf(schema: Record<string, unknown> | undefined): Record<string, unknown> {
  return isObject(schema) && isObject(schema.properties) ? schema.properties : {};
}

function hasType(value: unknown, type: string): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'integer':
      return Number.isInteger(value);
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'array':
      return Array.isArray(value);
    default:
      return isObject(value);
  }
}

/** JSON type names, as the parameter messages of spec 04 §16.3 use them. */
export function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Plain assignment of a key such as `__proto__` would replace the prototype instead of adding a member. */
function defineOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}
