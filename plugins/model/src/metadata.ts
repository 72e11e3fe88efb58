import { EntryRejection } from '@catalog/framework';

/** The MetadataValue kinds of spec 03 §3.2 and the member each keeps its value in. */
const MEMBER_BY_TYPE = {
  MetadataStringValue: 'string_value',
  MetadataIntValue: 'int_value',
  MetadataDoubleValue: 'double_value',
  MetadataBoolValue: 'bool_value',
  MetadataStructValue: 'struct_value',
  MetadataProtoValue: 'proto_value',
} as const;
type MetadataType = keyof typeof MEMBER_BY_TYPE;

const TYPE_BY_MEMBER = new Map(Object.entries(MEMBER_BY_TYPE).map(([type, member]) => [member as string, type as MetadataType]));
const ALLOWED_KEYS = new Set(['metadataType', 'type', ...TYPE_BY_MEMBER.keys()]);
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

export type MetadataValue = Record<string, unknown> & { metadataType: MetadataType };

/**
 * Validates and normalizes a `customProperties` map (spec 03 §3.2): `metadataType` is inferred when
 * exactly one value member is given, int values become decimal strings; anything ambiguous or out
 * of range rejects the entry with the path of the offending property.
 */
export function normalizeCustomProperties(value: unknown, path: string): Record<string, MetadataValue> {
  if (!isObject(value)) throw new EntryRejection('must be a map of metadata values', path);
  const result: Record<string, MetadataValue> = {};
  for (const [key, property] of Object.entries(value)) {
    Object.defineProperty(result, key, {
      value: normalizeValue(property, `${path}.${key}`),
      enumerable: true, writable: true, configurable: true,
    });
  }
  return result;
}

function normalizeValue(value: unknown, path: string): MetadataValue {
  if (!isObject(value)) throw new EntryRejection('must be a metadata value object', path);
  for (const key of Object.keys(value)) {
    if (!ALLOWED_KEYS.has(key)) throw new EntryRejection(`unknown member "${key}"`, path);
  }
  const members = Object.keys(value).filter((key) => TYPE_BY_MEMBER.has(key));
  if (members.length === 0) throw new EntryRejection('has no value member', path);
  if (members.length > 1) throw new EntryRejection(`has more than one value member: ${members.join(', ')}`, path);
  const member = members[0];
  const inferred = TYPE_BY_MEMBER.get(member)!;
  if (value.metadataType !== undefined && value.metadataType !== inferred) {
    throw new EntryRejection(`metadataType ${JSON.stringify(value.metadataType)} does not match member ${member}`, `${path}.metadataType`);
  }
  if (value.type !== undefined && inferred !== 'MetadataProtoValue') throw new EntryRejection('member "type" is only allowed with proto_value', path);
  const raw = value[member];
  const at = `${path}.${member}`;
  switch (inferred) {
    case 'MetadataStringValue':
    case 'MetadataStructValue':
      if (typeof raw !== 'string') throw new EntryRejection('must be a string', at);
      return { metadataType: inferred, [member]: raw };
    case 'MetadataProtoValue':
      if (typeof raw !== 'string') throw new EntryRejection('must be a string', at);
      if (value.type !== undefined && typeof value.type !== 'string') throw new EntryRejection('must be a string', `${path}.type`);
      return { metadataType: inferred, ...(value.type === undefined ? {} : { type: value.type }), proto_value: raw };
    case 'MetadataIntValue':
      return { metadataType: inferred, int_value: int64Text(raw, at) };
    case 'MetadataDoubleValue':
      if (typeof raw !== 'number' || !Number.isFinite(raw)) throw new EntryRejection('must be a finite number', at);
      return { metadataType: inferred, double_value: raw };
    case 'MetadataBoolValue':
      if (typeof raw !== 'boolean') throw new EntryRejection('must be a boolean', at);
      return { metadataType: inferred, bool_value: raw };
  }
}

function int64Text(raw: unknown, at: string): string {
  let text: string;
  if (typeof raw === 'number' && Number.isSafeInteger(raw)) text = String(raw);
  else if (typeof raw === 'string' && /^-?[0-9]{1,19}$/.test(raw)) text = raw;
  else throw new EntryRejection('must be an int64 as a string of digits or an integer', at);
  const parsed = BigInt(text);
  if (parsed < INT64_MIN || parsed > INT64_MAX) throw new EntryRejection('is outside the int64 range', at);
  return parsed.toString();
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
