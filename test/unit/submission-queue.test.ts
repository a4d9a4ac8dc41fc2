import type { ExecutionAnswer, ExecutionInput } from '../../proxy/src/execution'
import { SubmissionQueue, SubmissionRejected, type SubmissionEvent } from '../../proxy/src/submissions/queue'
import { findLanguage } from '../../runner/src/contract/languages'

// The queue's own logic with a job runner that finishes when told to: caps, order, positions, retention.
const input = (code: string): ExecutionInput => ({ language: findLanguage('python')!, code, stdin: '', args: [], limits: {} as ExecutionInput['limits'] })
const answer = (code: string): ExecutionAnswer => ({ language: 'python', version: '3', status: 'ok', compile: null, run: null, message: code, timing: { queueMs: 0, runnerMs: 0, totalMs: 0 } })

function harness (limits: Partial<ConstructorParameters<typeof SubmissionQueue>[0]> = {}) {
  const running: Array<{ code: string, finish: () => void }> = []
  const settings = { maxQueued: 100, maxRunningPerUser: 1, maxQueuedPerUser: 2, keepFinishedMs: 60000, maxFinished: 100, ...limits }
  const queue = new SubmissionQueue(settings, (job, onRunning) =>
    new Promise((resolve) => {
      onRunning()
      running.push({ code: job.code, finish: () => resolve(answer(job.code)) })
    }))
  const flush = () => new Promise((resolve) => setImmediate(resolve))
  return { queue, running, flush }
}

afterEach(() => jest.useRealTimers())

describe('the submission queue', () => {
  test('a user\'s submissions run one at a time in order, behind a cap; others are not held back', async () => {
    const { queue, running, flush } = harness()
    const events: SubmissionEvent[] = []
    queue.subscribe('a', (event) => events.push(event))
    const first = queue.submit('a', input('a1'))
    const second = queue.submit('a', input('a2'))
    const third = queue.submit('a', input('a3'))
    expect(() => queue.submit('a', input('a4'))).toThrow(SubmissionRejected)
    queue.submit('b', input('b1'))
    expect(running.map((job) => job.code)).toEqual(['a1', 'b1'])
    expect([second.position, third.position]).toEqual([1, 2])
    expect(await queue.get(third.id)).toEqual({ id: third.id, state: 'queued', position: 2 })

    running.shift()!.finish()
    await flush()
    expect(await queue.get(first.id)).toMatchObject({ state: 'done', result: { message: 'a1' } })
    expect(running.map((job) => job.code)).toEqual(['b1', 'a2'])
    expect(await queue.get(third.id)).toMatchObject({ position: 1 })
    expect(events.filter((event) => event.id === first.id).map((event) => event.type)).toEqual(['queued', 'running', 'done'])
    expect(queue.running).toBe(2)
    expect(queue.queued).toBe(1)
  })

  test('the whole queue is capped across users', () => {
    const { queue } = harness({ maxQueued: 2, maxRunningPerUser: 5 })
    // Those taken by the runner count as running at once; the cap is on queued ones.
    queue.submit('a', input('1'))
    expect(queue.queued).toBe(0)
    const blocked = harness({ maxQueued: 1, maxRunningPerUser: 1, maxQueuedPerUser: 5 })
    blocked.queue.submit('a', input('1'))
    blocked.queue.submit('a', input('2'))
    expect(() => blocked.queue.submit('b', input('3'))).toThrow(expect.objectContaining({ reason: 'submissions_full' }))
  })

  test('a user sees only their own; finished ones are forgotten past the count', async () => {
    const { queue, running, flush } = harness({ maxFinished: 1 })
    const mine = queue.submit('a', input('1'))
    expect(await queue.get(mine.id, 'b')).toBeUndefined()
    running.shift()!.finish()
    await flush()
    const next = queue.submit('a', input('2'))
    running.shift()!.finish()
    await flush()
    expect(await queue.get(mine.id)).toBeUndefined()
    expect(await queue.get(next.id, 'a')).toMatchObject({ state: 'done' })
  })

  test('closing ends what is still queued with a message, and takes no more', async () => {
    const { queue } = harness()
    queue.submit('a', input('1'))
    const waiting = queue.submit('a', input('2'))
    queue.close()
    expect(await queue.get(waiting.id)).toMatchObject({ state: 'done', result: { status: 'internal_error', message: 'the service shut down before this submission ran' } })
    expect(() => queue.submit('b', input('3'))).toThrow('the service is shutting down')
  })
})
