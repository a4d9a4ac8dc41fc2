import { call, listenAndFill, realApp, testConfig, waitFor, sandboxRuntimes } from '../helpers/docker'

// A job that makes gVisor's own kernel grow (510 pipes of 1 MiB: its memory stays taken after the job)
// leaves a runner that the next job, allowed the full memory limit, could not run in (issue 12). Under
// runsc such a runner is replaced; under runc the kernel frees the pipes, and the runner stays.
jest.setTimeout(180000)
const RUNTIMES = sandboxRuntimes()
const pipes = '#define _GNU_SOURCE\n#include <fcntl.h>\n#include <stdio.h>\n#include <string.h>\n#include <unistd.h>\nstatic char b[1<<20];\n' +
  'int main(){int n=0;memset(b,1,sizeof b);for(;;){int p[2];if(pipe(p))break;fcntl(p[1],F_SETPIPE_SZ,1<<20);fcntl(p[1],F_SETFL,O_NONBLOCK);while(write(p[1],b,sizeof b)>0){}n++;}printf("%d\\n",n>400);return 0;}'

describe.each(RUNTIMES)('a runner whose sandbox grew, under %s', (runtime) => {
  const config = testConfig(`e2e-growth-${runtime}`, { min: 1, max: 1 })
  config.runner.runtime = runtime
  const { app, pool, metrics } = realApp(config)
  let base = ''
  beforeAll(async () => { base = await listenAndFill(app, pool, 1) })
  afterAll(async () => { await app.close() })

  const outgrown = async () => (await metrics.runnerRemovals.get()).values.find((v) => v.labels.reason === 'outgrown')?.value ?? 0

  test(runtime === 'runsc' ? 'is replaced after the job, and the next job gets the whole limit' : 'is kept: the kernel freed what the job took', async () => {
    const small = await call(base, { url: '/api/v1/execute', payload: { language: 'python', code: 'print(1)' } })
    expect(small.json().status).toBe('ok')
    await waitFor('the runner back', () => pool.ready === 1 && pool.borrowed === 0)
    expect(await outgrown()).toBe(0)

    const grown = await call(base, { url: '/api/v1/execute', payload: { language: 'c', code: pipes, limits: { run: { openFiles: 1024, timeoutMs: 10000 } } } })
    expect(grown.json()).toMatchObject({ status: 'ok', run: { stdout: '1\n' } })
    await waitFor('the pool back at its size', () => pool.ready === 1 && pool.borrowed === 0, 60000)
    expect(await outgrown()).toBe(runtime === 'runsc' ? 1 : 0)

    const big = await call(base, { url: '/api/v1/execute', payload: { language: 'python', code: 'x = bytearray(900 * 1024 * 1024)\nprint(len(x) >> 20)', limits: { run: { memoryBytes: 1024 * 1024 * 1024, timeoutMs: 15000 } } } })
    expect(big.json()).toMatchObject({ status: 'ok', run: { stdout: '900\n' } })
  })
})
