import type { ExecutionAnswer, ExecutionInput } from '../../proxy/src/execution'
import { ShuttingDownError, SubmissionQueueFullError, UserQueueFullError } from '../../proxy/src/errors'
import { SubmissionQueue, type SubmissionEvent } from '../../proxy/src/submissions/queue'
import { InputRelay } from '../../runner/src/contract/input-relay'
import { findLanguage } from '../../runner/src/contract/languages'

// The queue's own logic with a job runner that finishes when told to: caps, order, positions, retention.
const input = (code: string): ExecutionInput => ({ language: findLanguage('python')!, code, stdin: '', args: [], limits: {} as ExecutionInput['limits'] })
const answer = (code: string): ExecutionAnswer => ({ language: 'python', version: '3', status: 'ok', compile: null, run: null, message: code, timing: { queueMs: 0, runnerMs: 0, totalMs: 0 } })

function harness (limits: Partial<ConstructorParameters<typeof SubmissionQueue>[0]> = {}) {
  const running: Array<{ code: string, finish: () => void }> = []
  const settings = { maxQueued: 100, maxRunningPerUser: 1, maxQueuedPerUser: 2, keepFinishedMs: 60000, maxFinished: 100, ...limits }
  const queue = new SubmissionQueue(settings, (job, { onRunning }) =>
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
    const first = queue.submitNow('a', input('a1'))
    const second = queue.submitNow('a', input('a2'))
    const third = queue.submitNow('a', input('a3'))
    expect(() => queue.submitNow('a', input('a4'))).toThrow(UserQueueFullError)
    queue.submitNow('b', input('b1'))
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
    queue.submitNow('a', input('1'))
    expect(queue.queued).toBe(0)
    const blocked = harness({ maxQueued: 1, maxRunningPerUser: 1, maxQueuedPerUser: 5 })
    blocked.queue.submitNow('a', input('1'))
    blocked.queue.submitNow('a', input('2'))
    expect(() => blocked.queue.submitNow('b', input('3'))).toThrow(SubmissionQueueFullError)
  })

  test('a user sees only their own; finished ones are forgotten past the count', async () => {
    const { queue, running, flush } = harness({ maxFinished: 1 })
    const mine = queue.submitNow('a', input('1'))
    expect(await queue.get(mine.id, 'b')).toBeUndefined()
    running.shift()!.finish()
    await flush()
    const next = queue.submitNow('a', input('2'))
    running.shift()!.finish()
    await flush()
    expect(await queue.get(mine.id)).toBeUndefined()
    expect(await queue.get(next.id, 'a')).toMatchObject({ state: 'done' })
  })

  test('closing ends what is still queued with a message, and takes no more', async () => {
    const { queue } = harness()
    queue.submitNow('a', input('1'))
    const waiting = queue.submitNow('a', input('2'))
    queue.close()
    expect(await queue.get(waiting.id)).toMatchObject({ state: 'done', result: { status: 'internal_error', message: 'the service shut down before this submission ran' } })
    expect(() => queue.submitNow('b', input('3'))).toThrow(ShuttingDownError)
  })

  test('positions count the queued submissions ahead, of every user, as others start and finish', async () => {
    const { queue, running, flush } = harness({ maxRunningPerUser: 1, maxQueuedPerUser: 5 })
    const a1 = queue.submitNow('a', input('a1'))
    const a2 = queue.submitNow('a', input('a2'))
    const b1 = queue.submitNow('b', input('b1'))
    const a3 = queue.submitNow('a', input('a3'))
    // a1 and b1 are running: a2 is first in line, a3 second.
    expect([a1.position, a2.position, b1.position, a3.position]).toEqual([1, 1, 2, 2])
    expect(await queue.get(a2.id)).toEqual({ id: a2.id, state: 'queued', position: 1 })
    expect(await queue.get(a3.id)).toEqual({ id: a3.id, state: 'queued', position: 2 })
    running.shift()!.finish()
    await flush()
    expect(await queue.get(a2.id)).toEqual({ id: a2.id, state: 'running' })
    expect(await queue.get(a3.id)).toEqual({ id: a3.id, state: 'queued', position: 1 })
    expect(queue.queued).toBe(1)
  })

  test("a submission's watcher hears its events only; the user's subscribers hear them all", async () => {
    const { queue, running, flush } = harness({ maxRunningPerUser: 2 })
    const watched: SubmissionEvent[] = []
    const everything: SubmissionEvent[] = []
    queue.subscribe('a', (event) => everything.push(event))
    const mine = queue.submitNow('a', input('1'), { watcher: (event) => watched.push(event) })
    const other = queue.submitNow('a', input('2'))
    running.splice(0).forEach((job) => job.finish())
    await flush()
    expect(watched.map((event) => [event.type, event.id])).toEqual([['queued', mine.id], ['running', mine.id], ['done', mine.id]])
    expect(new Set(everything.map((event) => event.id))).toEqual(new Set([mine.id, other.id]))
  })

  test('a refused interactive submission lets go of its client: its relay is closed, the client resumed', () => {
    const { queue } = harness({ maxRunningPerUser: 1, maxQueuedPerUser: 0 })
    queue.submitNow('a', input('1'))
    const calls: string[] = []
    const relay = new InputRelay({ pause: () => calls.push('pause'), resume: () => calls.push('resume') })
    relay.send([Buffer.alloc(2 << 20)])
    expect(calls).toEqual(['pause'])
    expect(() => queue.submitNow('a', input('2'), { relay })).toThrow(UserQueueFullError)
    expect(calls).toEqual(['pause', 'resume'])
  })

  describe('cancel', () => {
    // A runner that waits for a runner of its own (nothing happens until `take`), then runs until finished
    // or stopped: stopped, it answers `cancelled`, as executeJob does.
    function slowHarness () {
      const jobs: Array<{ code: string, take: () => void, finish: () => void, stopped: () => boolean }> = []
      const queue = new SubmissionQueue({ maxQueued: 100, maxRunningPerUser: 1, maxQueuedPerUser: 5, keepFinishedMs: 60000, maxFinished: 100 },
        (job, { onRunning, stop }) => new Promise((resolve) => {
          let taken = false
          jobs.push({
            code: job.code,
            take: () => {
              // Stopped while it waited: the runner goes back unused, and the job never ran.
              if (stop?.requested) return resolve(null)
              taken = true
              onRunning()
              stop?.whenRequested(() => resolve({ ...answer(job.code), status: 'cancelled' }))
            },
            finish: () => { if (taken) resolve(answer(job.code)) },
            stopped: () => stop?.requested === true
          })
        }))
      return { queue, jobs, flush: () => new Promise((resolve) => setImmediate(resolve)) }
    }

    test('one waiting in its user\'s line is done at once, cancelled, and never runs; the line moves on', async () => {
      const { queue, jobs, flush } = slowHarness()
      const events: SubmissionEvent[] = []
      queue.subscribe('a', (event) => events.push(event))
      const first = queue.submitNow('a', input('1'))
      const second = queue.submitNow('a', input('2'))
      const third = queue.submitNow('a', input('3'))
      expect(third.position).toBe(3)
      expect(await queue.cancel(second.id)).toBe('cancelled')
      expect(await queue.get(second.id)).toMatchObject({ state: 'done', result: { status: 'cancelled', message: 'cancelled by its maker' } })
      // The first, handed to the pool and waiting for a runner, is still queued ahead of it.
      expect(await queue.get(third.id)).toEqual({ id: third.id, state: 'queued', position: 2 })
      jobs[0].take()
      jobs[0].finish()
      await flush()
      expect(jobs.map((job) => job.code)).toEqual(['1', '3'])
      expect(events.filter((event) => event.id === second.id).map((event) => event.type)).toEqual(['queued', 'done'])
      expect(await queue.get(first.id)).toMatchObject({ state: 'done', result: { status: 'ok' } })
    })

    test('one handed to the pool but not on a runner yet is done at once; when a runner comes it is not run, and done only once', async () => {
      const { queue, jobs, flush } = slowHarness()
      const events: SubmissionEvent[] = []
      queue.subscribe('a', (event) => events.push(event))
      const first = queue.submitNow('a', input('1'))
      const next = queue.submitNow('a', input('2'))
      expect(await queue.cancel(first.id)).toBe('cancelled')
      expect(await queue.get(first.id)).toMatchObject({ state: 'done', result: { status: 'cancelled' } })
      expect(queue.queued).toBe(1)
      // Its user's place is held until the pool lets go of it.
      expect(jobs.map((job) => job.code)).toEqual(['1'])
      jobs[0].take()
      await flush()
      expect(events.filter((event) => event.id === first.id).map((event) => event.type)).toEqual(['queued', 'done'])
      expect(jobs.map((job) => job.code)).toEqual(['1', '2'])
      expect(await queue.get(next.id)).toMatchObject({ state: 'queued' })
    })

    test('one running is stopped by its runner and ends cancelled; one done is left alone; an unknown id is told', async () => {
      const { queue, jobs, flush } = slowHarness()
      const running = queue.submitNow('a', input('1'))
      jobs[0].take()
      expect(await queue.get(running.id)).toEqual({ id: running.id, state: 'running' })
      expect(await queue.cancel(running.id)).toBe('cancelled')
      expect(jobs[0].stopped()).toBe(true)
      await flush()
      expect(await queue.get(running.id)).toMatchObject({ state: 'done', result: { status: 'cancelled' } })
      expect(queue.running).toBe(0)
      expect(await queue.cancel(running.id)).toBe('done')
      expect(await queue.cancel('no-such-id')).toBe('unknown')
    })
  })
})
