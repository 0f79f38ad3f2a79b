import { closeConnections } from '../db/connections.js';

export { Client, TestResponse, type RequestOptions } from './client.js';

// Under node's test runner (`manage test` runs each file in a child process,
// which node marks with NODE_TEST_CONTEXT), the database pools are closed
// once the file's tests are done: an open MySQL pool would keep the process,
// and so the whole run, from ever ending.
if (process.env.NODE_TEST_CONTEXT !== undefined) {
  const { after } = await import('node:test');
  after(() => closeConnections());
}
