import { buildApp } from '../../proxy/src/app'
import { parseConfig } from '../../proxy/src/config'
import type { ExecutionPool } from '../../proxy/src/execution-pool'
import { Metrics } from '../../proxy/src/metrics'

// Issue 14, item 2: each API is a plugin registered with its prefix; a nested plugin must not get the prefix twice.
test('every route of every API, once, under its prefix', async () => {
  const pool = { versions: {}, close: async () => {} } as unknown as ExecutionPool
  const app = buildApp({ config: parseConfig({}), pool, metrics: new Metrics({ defaultMetrics: false }) })
  await app.ready()
  const routes = app.printRoutes({ commonPrefix: false }).split('\n').map((line) => line.replace(/^[│├└─\s]+/, '')).filter(Boolean)
  await app.close()
  expect(routes).toEqual([
    '/healthz (GET, HEAD)', '/readyz (GET, HEAD)',
    '/restapi/languages (GET, HEAD)', '/ (GET, HEAD)', '/restapi/runs (POST)', '/ (POST)', '/restapi/files/:id (PUT, HEAD)', '/metrics (GET, HEAD)', '/docs (GET, HEAD)',
    '/api/v1/execute (POST)', '/api/v1/judge (POST)', '/api/v1/whoami (GET, HEAD)', '/api/v1/ws (GET, HEAD)',
    '/api/v1/runtimes (GET, HEAD)', '/api/v1/submissions (POST)', '/:id (GET, HEAD)', '/cancel (POST)',
    '/api/v2/runtimes (GET, HEAD)', '/api/v2/execute (POST)', '/api/v2/connect (GET, HEAD)',
    '/judge0/authenticate (POST)', '/judge0/authorize (POST)', '/judge0/about (GET, HEAD)', '/judge0/version (GET, HEAD)',
    '/judge0/config_info (GET, HEAD)', '/judge0/system_info (GET, HEAD)', '/judge0/statuses (GET, HEAD)',
    '/judge0/submissions (POST, GET, HEAD)', '/batch (POST, GET, HEAD)', '/:token (GET, HEAD)', '/judge0/workers (GET, HEAD)',
    '/judge0/languages (GET, HEAD)', '/all (GET, HEAD)', '/:id (GET, HEAD)',
    '/jobe/index.php/restapi/languages (GET, HEAD)', '/ (GET, HEAD)', '/jobe/index.php/restapi/runs (POST)', '/ (POST)',
    '/jobe/index.php/restapi/files/:id (PUT, HEAD)'
  ])
})
