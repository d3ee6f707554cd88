/**
 * The service as production runs it (openService: workers, file feedback store), plus one bench-only endpoint in
 * front of it: POST /bench/ack, which reads and parses the body with the service's own JSON parser and limits and
 * answers {"cards": []}. That endpoint is the floor the real one is compared with (a minimal endpoint in the same
 * app with the same body limit). Prints {"port": n} once listening and ready.
 */
import express from 'express';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { openService } from '../../src/compose.js';
import { parseConfig } from '../../src/config.js';
import { jsonBody } from '../../src/http/json-body.js';

const config = parseConfig(process.env);
const service = await openService(config);
await service.warm();

const app = express();
app.disable('x-powered-by');
app.set('etag', false);
app.post('/bench/ack', jsonBody({ limitBytes: config.bodyLimitBytes, maxDepth: config.maxJsonDepth }), (_req, res) => {
  res.json({ cards: [] });
});
app.use(service.app);

const server = createServer({ keepAliveTimeout: config.timeouts.keepAliveMs }, app);
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`);
});
process.on('SIGTERM', () => {
  server.close();
  void service.close().finally(() => process.exit(0));
});
