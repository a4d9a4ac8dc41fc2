import { existsSync, readdirSync } from 'node:fs'
import type { ExecutionAnswer, ExecutionInput } from '../../proxy/src/execution'
import { SubmissionQueue } from '../../proxy/src/submissions/queue'
import { answerBytes, ResultStore } from '../../proxy/src/submissions/result-store'
import { findLanguage } from '../../runner/src/contract/languages'

// Finished results within a budget of memory (issue 12): past it they are written to files and read
// back whole; past the files' own budget the oldest are forgotten.
const MiB = 1024 * 1024

function answer (tag: string, bytes: number): ExecutionAnswer {
  const stage = {
    stdout: tag.repeat(Math.ceil(bytes / 2 / tag.length)).slice(0, bytes / 2), stderr: 'e'.repeat(bytes / 2),
    exitCode: 0, signal: null, wallMs: 1, cpuMs: 1, memoryBytes: 1, truncated: null, status: 'ok' as const
  }
  return { language: 'python', version: '3', status: 'ok', compile: null, run: stage, timing: { queueMs: 0, runnerMs: 0, totalMs: 0 } }
}

const settled = () => new Promise((resolve) => setTimeout(resolve, 50))

describe('the result store', () => {
  test('holds results in memory up to its budget, and spills the rest to files it reads back whole', async () => {
    const store = new ResultStore({ maxFinishedBytes: 8 * MiB, maxSpilledBytes: 256 * MiB, spillDir: '' })
    const answers = Array.from({ length: 10 }, (_, i) => answer(`r${i}`, 2 * MiB))
    answers.forEach((a, i) => store.keep(`id${i}`, a))
    expect(store.heldBytes).toBeLessThanOrEqual(8 * MiB)
    expect(store.heldBytes).toBeGreaterThan(0)
    expect(store.spilledBytes).toBeGreaterThan(10 * MiB)
    await settled()
    for (let i = 0; i < 10; i++) expect(await store.read(`id${i}`)).toEqual(answers[i])
    store.close()
  })

  test('past the spill files\' budget, the oldest spilled results are forgotten, and said to be', async () => {
    const forgotten: string[] = []
    const store = new ResultStore({ maxFinishedBytes: MiB, maxSpilledBytes: 5 * MiB, spillDir: '' }, (id) => forgotten.push(id))
    for (let i = 0; i < 6; i++) store.keep(`id${i}`, answer('x', 2 * MiB))
    await settled()
    expect(store.spilledBytes).toBeLessThanOrEqual(5 * MiB)
    expect(forgotten).toEqual(['id0', 'id1', 'id2', 'id3'])
    expect(await store.read('id0')).toBeUndefined()
    expect((await store.read('id5'))?.run?.stdout.length).toBe(MiB)
    store.close()
  })

  test('closing removes its spill files', async () => {
    const store = new ResultStore({ maxFinishedBytes: MiB, maxSpilledBytes: 64 * MiB, spillDir: '' })
    store.keep('a', answer('x', 2 * MiB))
    await settled()
    const dir = (store as unknown as { dir: string }).dir
    expect(readdirSync(dir)).toEqual(['1.json'])
    store.close()
    expect(existsSync(dir)).toBe(false)
  })

  test('an answer\'s estimate counts its text twice over', () => {
    expect(answerBytes(answer('x', 2 * MiB))).toBeGreaterThanOrEqual(4 * MiB)
  })
})

describe('the submission queue keeps finished results within its budget', () => {
  test('40 results of 4 MiB each: memory holds at most the budget, and every one reads back whole', async () => {
    const input = (code: string): ExecutionInput => ({ language: findLanguage('python')!, code, stdin: '', args: [], limits: {} as ExecutionInput['limits'] })
    const queue = new SubmissionQueue({
      maxQueued: 100, maxRunningPerUser: 100, maxQueuedPerUser: 100, keepFinishedMs: 60000, maxFinished: 100, maxFinishedBytes: 16 * MiB
    }, async (job, { onRunning }) => {
      onRunning()
      return answer(job.code, 2 * MiB)
    })
    const ids = Array.from({ length: 40 }, (_, i) => queue.submitNow('a', input(`s${i}`)).id)
    await settled()
    expect(queue.finishedBytes.held).toBeLessThanOrEqual(16 * MiB)
    for (let i = 0; i < 40; i++) {
      const view = await queue.get(ids[i])
      expect(view?.state).toBe('done')
      expect(view?.result?.run?.stdout.startsWith(`s${i}s${i}`)).toBe(true)
      expect(view?.result?.run?.stdout.length).toBe(MiB)
    }
    queue.close()
    queue.dispose()
  })
})
