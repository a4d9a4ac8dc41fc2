import { readFileSync } from 'node:fs'
import { request } from 'undici'
import { execute, processesOf, startHostAgent, type HostAgent } from '../helpers/agent'

// Issue 19: POST /kill stops a batch job (its submission cancelled): the stage running is killed at once,
// nothing after it runs, the job says `stopped` and still cleans up.
jest.setTimeout(60000)
const UID = 61019
let host: HostAgent

beforeAll(async () => { host = await startHostAgent(UID) })
afterAll(async () => { await host.close() })

/** Resolves once a process of the job's uid runs `command` (the stage to stop is under way). */
async function running (command: string): Promise<void> {
  for (let tries = 0; tries < 400; tries++) {
    const names = processesOf(UID).map((pid) => { try { return readFileSync(`/proc/${pid}/comm`, 'latin1').trim() } catch { return '' } })
    if (names.includes(command)) return
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
  throw new Error(`no ${command} of uid ${UID} ran`)
}

const kill = async () => {
  const response = await request(`${host.url}/kill`, { method: 'POST' })
  return await response.body.json()
}

describe('runner agent: stopping a batch job', () => {
  test('the run stage is killed at once, its output kept, and the job says stopped', async () => {
    const job = execute(host.url, { language: 'bash', code: 'echo ready; sleep 30; echo never' })
    await running('sleep')
    expect(await kill()).toEqual({ killed: true })
    const { statusCode, body } = await job
    expect(statusCode).toBe(200)
    expect(body).toMatchObject({ stopped: true, clean: true, run: { stdout: 'ready\n', signal: 'SIGKILL' } })
    expect(body.run.wallMs).toBeLessThan(20000)
    expect(processesOf(UID)).toEqual([])
  })

  test('a judge job stopped in its second test: that test and the third are skipped, the first kept', async () => {
    const code = 'read x\nif [ "$x" = 2 ]; then sleep 30; fi\necho "$x"'
    const tests = ['1', '2', '3'].map((name) => ({ name, stdin: `${name}\n`, expectedOutput: `${name}\n` }))
    const job = execute(host.url, {
      language: 'bash', code, judge: { tests, checker: { type: 'lines' }, stopOnFirstFailure: false, outputBytesPerTest: 1024 }
    })
    await running('sleep')
    await kill()
    const { body } = await job
    expect(body).toMatchObject({ stopped: true, clean: true })
    expect(body.tests.map((test: any) => [test.name, test.verdict, test.checker])).toEqual([
      ['1', 'accepted', '1 lines'], ['2', 'skipped', 'stopped while it ran'], ['3', 'skipped', 'not run: the job was stopped']
    ])
  })

  test('a kill with no job running changes nothing for the next job', async () => {
    expect(await kill()).toEqual({ killed: false })
    const { body } = await execute(host.url, { language: 'bash', code: 'echo fine' })
    expect(body).toMatchObject({ status: 'ok', run: { stdout: 'fine\n' }, clean: true })
    expect(body.stopped).toBeUndefined()
  })
})
