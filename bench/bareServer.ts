/** The ceiling of the list benchmark: a bare Fastify route returning a fixed 20-item page. */
import Fastify from 'fastify';
import { generateMcpServers } from './generate.js';

const items = generateMcpServers(20, 7).map((server, i) => ({
  id: String(i + 1), ...server, sourceId: 'bench-mcp', createTimeSinceEpoch: '1760000000000',
  lastUpdateTimeSinceEpoch: '1760000000000', governance: { lifecycle: { state: 'draft' } },
}));
const page = { items, size: 20, pageSize: 20, totalSize: 10000, nextPageToken: 'eyJ2IjoxfQ' };
const app = Fastify();
app.get('/page', async () => page);
const url = await app.listen({ host: '127.0.0.1', port: 0 });
process.stdout.write(`${JSON.stringify({ msg: 'server listening', url })}\n`);
