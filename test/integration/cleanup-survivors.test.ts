import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { execute, ipcObjectsOf, startHostAgent, tasksOf, type HostAgent } from '../helpers/agent'

// What a hostile job leaves behind to reach the next one (issue 12): a thread whose process's leader has
// exited, IPC objects it gave away. Each must be gone before the agent answers, or the runner unclean.
jest.setTimeout(60000)
const UID = 61008
let host: HostAgent

beforeAll(async () => { host = await startHostAgent(UID) })
afterAll(async () => { await host.close() })

const program = (name: string) => readFileSync(join(__dirname, '../programs', name), 'utf8')

describe('runner agent: cleanup reaches every task of the uid', () => {
  test('a thread whose leader called SYS_exit is killed, and cannot rewrite the next job', async () => {
    const { body } = await execute(host.url, { language: 'c', code: program('survivor.c') })
    expect(body.run.stdout).toBe('planted\n')
    expect(body.clean).toBe(true)
    expect(tasksOf(UID)).toEqual([])

    const next = await execute(host.url, { language: 'python', code: 'import time\ntime.sleep(0.2)\nprint("own")' })
    expect(next.body.run.stdout).toBe('own\n')
    expect(tasksOf(UID)).toEqual([])
  })
})

describe('runner agent: cleanup removes System V IPC objects the job gave away', () => {
  test('objects whose owner was changed with IPC_SET (and their mode to 0) are removed', async () => {
    const { body } = await execute(host.url, { language: 'c', code: program('ipc-disowned.c') })
    expect(body.run.stdout).toBe('6\n')
    expect(body.clean).toBe(true)
    expect(ipcObjectsOf(UID)).toBe(0)
  })
})
