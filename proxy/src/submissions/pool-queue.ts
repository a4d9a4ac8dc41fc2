import type { Config } from '../config'
import { executeJob, v1Answer, type ExecutionAnswer, type ExecutionInput, type ExecutionServices } from '../execution'
import { judgeAnswer } from '../judge-answer'
import { rejectionReason } from '../metrics'
import { notRun, SubmissionQueue, type JobRunner, type SubmissionResult } from './queue'

/** What a submission answers once its job is over: /api/v1/execute's answer, or /api/v1/judge's for one with tests. */
function resultOf (input: ExecutionInput, answer: ExecutionAnswer): SubmissionResult {
  return input.judge ? judgeAnswer(answer, input.judge.tests.length) : v1Answer(answer)
}

/**
 * The submission queue over the runner pool. A submission waits for a runner as long as it takes, in its
 * place in the pool's queue (a patient acquire), until the app closes. Its result is /api/v1/execute's
 * answer, or /api/v1/judge's.
 */
export function poolSubmissionQueue (
  { config, pool, metrics }: ExecutionServices & { config: Config }, log: { warn: (object: object, message: string) => void }
): SubmissionQueue {
  const run: JobRunner = async (input, { onRunning, onOutput, onTest }, relay) => {
    const execution = { language: input.language.name }
    // An interactive submission whose client left before it ran is not run.
    const gone = () => relay?.abandoned === true
    const answer = await executeJob(input, { config, pool, metrics }, {
      log, execution, gone, patient: true, onRunning, live: { onOutput, onTest }, input: relay
    })
    return answer && resultOf(input, answer)
  }
  const queue = new SubmissionQueue(config.submissions, run, {
    started: (seconds) => metrics.submissionWaitSeconds.observe(seconds),
    finished: (seconds) => metrics.submissionSeconds.observe(seconds),
    refused: (err) => {
      const reason = rejectionReason(err)
      if (reason) metrics.rejected.inc({ reason })
    }
  }, (input, message) => resultOf(input, notRun(input.language.name, message)))
  metrics.observeSubmissions(queue)
  return queue
}
