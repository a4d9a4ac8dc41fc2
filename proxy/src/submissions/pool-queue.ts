import type { Config } from '../config'
import { executeJob, v1Answer, type ExecutionServices } from '../execution'
import { rejectionReason } from '../metrics'
import { SubmissionQueue, type JobRunner } from './queue'

/**
 * The submission queue over the runner pool. A submission waits for a runner as long as it takes, in its
 * place in the pool's queue (a patient acquire), until the app closes. Its result is /api/v1/execute's answer.
 */
export function poolSubmissionQueue (
  { config, pool, metrics }: ExecutionServices & { config: Config }, log: { warn: (object: object, message: string) => void }
): SubmissionQueue {
  const run: JobRunner = async (input, onRunning, onOutput, relay) => {
    const execution = { language: input.language.name }
    // An interactive submission whose client left before it ran is not run.
    const gone = () => relay?.abandoned === true
    const answer = await executeJob(input, { config, pool, metrics }, {
      log, execution, gone, patient: true, onRunning, live: { onOutput }, input: relay
    })
    return answer && v1Answer(answer)
  }
  const queue = new SubmissionQueue(config.submissions, run, {
    started: (seconds) => metrics.submissionWaitSeconds.observe(seconds),
    finished: (seconds) => metrics.submissionSeconds.observe(seconds),
    refused: (err) => {
      const reason = rejectionReason(err)
      if (reason) metrics.rejected.inc({ reason })
    }
  })
  metrics.observeSubmissions(queue)
  return queue
}
