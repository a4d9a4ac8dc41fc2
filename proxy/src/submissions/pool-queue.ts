import type { Config } from '../config'
import { runJob, v1Answer } from '../execution'
import type { ExecutionPool } from '../execution-pool'
import type { Metrics } from '../metrics'
import { SubmissionQueue, type JobRunner } from './queue'

const RETRY_MS = 250

/**
 * The submission queue over the runner pool. A submission waits as long as it takes: a full pool queue or
 * a wait past acquireTimeoutMs sends it back to the end of the pool's queue rather than failing it,
 * until the app closes (`closing`). Its result is /api/v1/execute's answer.
 */
export function poolSubmissionQueue (
  config: Config, pool: ExecutionPool, metrics: Metrics, log: { warn: (object: object, message: string) => void }, closing: () => boolean
): SubmissionQueue {
  const run: JobRunner = async (input, onRunning, onOutput, relay) => {
    const execution = { language: input.language.name }
    for (;;) {
      try {
        // An interactive submission whose client left before it ran is not run.
        const gone = () => relay?.abandoned === true
        const answer = await runJob(input, { config, pool, metrics }, { log, execution, gone, onRunning, live: { onOutput }, input: relay })
        return answer && v1Answer(answer)
      } catch (err) {
        const code = (err as { code?: string }).code
        if (closing() || (code !== 'EXEC_ERR_QUEUE_TIMEOUT' && code !== 'EXEC_ERR_QUEUE_FULL')) throw err
        await new Promise((resolve) => setTimeout(resolve, RETRY_MS))
      }
    }
  }
  const queue = new SubmissionQueue(config.submissions, run, {
    started: (seconds) => metrics.submissionWaitSeconds.observe(seconds),
    finished: (seconds) => metrics.submissionSeconds.observe(seconds)
  })
  metrics.observeSubmissions(queue)
  return queue
}
