import { SOURCE_TYPES, STATUSES } from '@catalog/plugin-knowledge';
import { EntryKit, identityOf, openCustomProperties, slug, type Entry, type Identity, type PluginGenerator } from './common.js';
import { Zipf } from './random.js';

const FORMS = ['handbook', 'archive', 'index', 'corpus', 'wiki', 'faq', 'notes', 'graph'];
const DOCUMENT_TYPES = ['text/markdown', 'application/pdf', 'text/html', 'text/plain'];
const EMBEDDING_MODELS = ['northwind-embed-small', 'contoso-text-embed-v2', 'fabrikam-multilingual-e5'];
const DIMENSIONS = [768, 384, 1024, 1536, 3072];
const INDEX_TYPES = ['HNSW', 'IVF', 'flat', 'IVF_PQ'];

/** KnowledgeSource entries (spec 02 §4.1); location, content type and provider follow the source type. */
export const knowledgeGenerator: PluginGenerator = {
  identity: (random, index) => identityOf(random, index, FORMS),

  entries(random) {
    const kit = new EntryKit(random);
    const sourceTypes = new Zipf(SOURCE_TYPES);
    const statuses = new Zipf(STATUSES);
    const dimensions = new Zipf(DIMENSIONS);
    const indexTypes = new Zipf(INDEX_TYPES);

    return ({ name, topic }: Identity): Entry => {
      const entry = kit.start(name, topic, 'ks');
      const sourceType = sourceTypes.draw(random);
      const bucket = slug(kit.text.organization());
      entry.sourceType = sourceType;
      let contentType: string;
      let provider: string;
      switch (sourceType) {
        case 'document':
          entry.location = random.chance(0.6) ? `s3://${bucket}-docs/${topic.slug}/${name}/` : `/data/knowledge/${topic.slug}/${name}`;
          contentType = random.pick(DOCUMENT_TYPES);
          provider = random.chance(0.6) ? 'Object storage' : 'Shared file system';
          break;
        case 'url':
          entry.location = `https://docs.example.com/${topic.slug}/${name}`;
          contentType = 'text/html';
          provider = 'Intranet crawler';
          break;
        case 'vector_store': {
          const pgvector = random.chance(0.5);
          entry.location = pgvector
            ? `pgvector://vectors.internal:5432/${topic.slug}?table=${name.replace(/-/g, '_')}`
            : `qdrant://qdrant.internal:6333/collections/${name}`;
          contentType = `embeddings/${random.pick(EMBEDDING_MODELS)}`;
          provider = pgvector ? 'PostgreSQL pgvector' : 'Qdrant';
          break;
        }
        default:
          entry.location = `neo4j://graph.internal:7687/${name}`;
          contentType = 'application/ld+json';
          provider = 'Neo4j';
      }
      kit.maybe(entry, 'contentType', 0.8, () => contentType);
      kit.maybe(entry, 'provider', 0.85, () => provider);
      kit.maybe(entry, 'status', 0.9, () => statuses.draw(random));
      kit.maybe(entry, 'documentCount', 0.8, () => random.skewedInt(5, 500_000));
      if (sourceType === 'vector_store') {
        kit.maybe(entry, 'vectorDimensions', 0.95, () => dimensions.draw(random));
        kit.maybe(entry, 'indexType', 0.9, () => indexTypes.draw(random));
      }
      return kit.finish(entry, () => ({
        ...openCustomProperties(kit, topic),
        ...(random.chance(0.4) ? { chunking: { size: random.pick([256, 512, 1024]), overlap: random.pick([0, 32, 64]) } } : {}),
      }));
    };
  },
};
