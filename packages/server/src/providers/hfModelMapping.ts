/** Mapping of a hub model info response onto a `CatalogModel` document entry (03 §14.5). */

/** README sibling names, in order of preference. */
export const README_NAMES = ['README.md', 'readme.md', 'Readme.md', 'README', 'readme'];
const LICENSE_LINK_KEYS = ['license_link', 'licenseLink', 'license_url', 'licenseUrl', 'license'];

/** The project's own model icon: a neutral stack of layers, bundled so no logo is fetched. */
const LOGO_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64"><rect width="64" height="64" rx="12" fill="#4b5563"/>' +
  '<path d="M32 12 52 22 32 32 12 22Z" fill="#f9fafb"/><path d="M12 32l20 10 20-10" fill="none" stroke="#f9fafb" stroke-width="4"/>' +
  '<path d="M12 42l20 10 20-10" fill="none" stroke="#d1d5db" stroke-width="4"/></svg>';
export const HF_LOGO = `data:image/svg+xml;base64,${Buffer.from(LOGO_SVG).toString('base64')}`;

/** The custom property excluded from digests (03 §14.5), so a sync that changes nothing writes nothing. */
export const LAST_SYNCED = 'last_synced';

export interface MappedModel {
  name: string;
  /** The hub id the model was fetched as (`id`, else the requested id). */
  id: string;
  /** The hub's commit sha, the provenance `revision` (04 §14.5). */
  sha?: string;
  entry: Record<string, unknown>;
}

/** The README file to fetch for a model info response, if it lists one. */
export function readmeFile(info: Record<string, unknown>): string | undefined {
  const names = new Set(
    (Array.isArray(info.siblings) ? info.siblings : [])
      .map((s: unknown) => (isRecord(s) && typeof s.rfilename === 'string' ? s.rfilename : undefined))
      .filter((n): n is string => n !== undefined),
  );
  return README_NAMES.find((name) => names.has(name));
}

/**
 * Maps a model info response. `requestedId` is the id the provider asked for; `readme` the README
 * text when it could be fetched. The entry has no `last_synced` yet: what it holds decides whether
 * the model changed ({@link withLastSynced} adds it).
 */
export function mapHfModel(info: Record<string, unknown>, options: { requestedId: string; readme?: string }): MappedModel {
  const id = nonEmptyString(info.id) ?? nonEmptyString(info.modelId) ?? options.requestedId;
  const name = id;
  const card = isRecord(info.cardData) ? info.cardData : {};
  const nested = isRecord(card.data) ? card.data : {};
  // The hub puts card fields at the top of cardData; some clients nest them under `data`.
  const cardField = (key: string): unknown => card[key] ?? nested[key];

  const tags = Array.isArray(info.tags) ? info.tags.filter((t): t is string => typeof t === 'string') : [];
  const licenseTag = tags.find((t) => t.startsWith('license:'));
  const cardLicense = cardField('license');
  const license = licenseTag !== undefined ? licenseTag.slice('license:'.length) : typeof cardLicense === 'string' ? cardLicense : undefined;
  const licenseLink = LICENSE_LINK_KEYS.map(cardField).find((v): v is string => typeof v === 'string' && /^https?:\/\//i.test(v.trim()))?.trim();

  const languageValue = cardField('language');
  const language = (typeof languageValue === 'string' ? [languageValue] : Array.isArray(languageValue) ? languageValue : [])
    .filter((l): l is string => typeof l === 'string' && l.trim() !== '');
  const tasks = [...new Set([info.task, info.pipeline_tag].filter((t): t is string => typeof t === 'string' && t !== ''))];
  const slash = id.indexOf('/');
  const provider = nonEmptyString(info.author) ?? (slash > 0 ? id.slice(0, slash) : undefined);
  const created = epochMs(info.createdAt);
  const modified = epochMs(info.lastModified);
  const config = isRecord(info.config) ? info.config : {};
  const architectures = Array.isArray(config.architectures) ? config.architectures.filter((a): a is string => typeof a === 'string') : undefined;
  const gated = info.gated === undefined || info.gated === null ? 'false' : String(info.gated);

  const customProperties: Record<string, unknown> = {
    hf_private: stringValue(String(info.private === true)),
    hf_gated: stringValue(gated),
    hf_tags: stringValue(JSON.stringify(tags.filter((t) => !t.startsWith('license:')))),
    ...(architectures !== undefined && { hf_architectures: stringValue(JSON.stringify(architectures)) }),
    ...(typeof config.model_type === 'string' && { hf_model_type: stringValue(config.model_type) }),
  };
  const timestamps = {
    ...(created !== undefined && { createTimeSinceEpoch: created }),
    ...(modified !== undefined && { lastUpdateTimeSinceEpoch: modified }),
  };
  const description = cardField('description');
  const entry: Record<string, unknown> = {
    name,
    externalId: id,
    ...(typeof description === 'string' && description !== '' && { description }),
    ...(options.readme !== undefined && { readme: options.readme }),
    ...(language.length > 0 && { language }),
    ...(tasks.length > 0 && { tasks }),
    ...(provider !== undefined && { provider }),
    logo: HF_LOGO,
    ...(license !== undefined && license.trim() !== '' && { license }),
    ...(licenseLink !== undefined && { licenseLink }),
    ...(typeof info.library_name === 'string' && info.library_name !== '' && { libraryName: info.library_name }),
    ...timestamps,
    customProperties,
    artifacts: [{ artifactType: 'model-artifact', name: `${name}-hf-artifact`, uri: `hf://${id}`, externalId: id, ...timestamps }],
  };
  const sha = nonEmptyString(info.sha);
  return { name, id, ...(sha !== undefined && { sha }), entry };
}

/** The entry with the custom property `last_synced` (ms of the sync). */
export function withLastSynced(entry: Record<string, unknown>, lastSynced: string): Record<string, unknown> {
  return { ...entry, customProperties: { ...(entry.customProperties as Record<string, unknown>), [LAST_SYNCED]: stringValue(lastSynced) } };
}

function stringValue(value: string) {
  return { metadataType: 'MetadataStringValue', string_value: value };
}

function epochMs(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : String(ms);
}

function nonEmptyString(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
