import type { Config } from '../config'
import { executeJob, v1Answer, type ExecutionAnswer, type ExecutionInput, type ExecutionServices } from '../execution'
import { judgeAnswer } from '../judge-answer'
import { rejectionReason } from '../metrics'
import { ClusterSubmissions } from './cluster/cluster-submissions'
import { notRun, SubmissionQueue, type JobRunner, type SubmissionResult } from './queue'
import type { Submissions } from './submissions'

/** What a submission answers once its job is over: /api/v1/execute's answer, or /api/v1/judge's for one with tests. */
function resultOf (input: ExecutionInput | undefined, answer: ExecutionAnswer): SubmissionResult {
  return input?.judge ? judgeAnswer(answer, input.judge.tests.length) : v1Answer(answer)
}

type Log = { warn: (object: object, message: string) => void, info: (object: object, message: string) => void }

/**
 * The submissions over the runner pool: in this process, or (queue.redisUrl) shared by every proxy over
 * Redis. A submission waits for a runner as long as it takes, in its place in the pool's queue (a patient
 * acquire), until the app closes. Its result is /api/v1/execute's answer, or /api/v1/judge's.
 */
export function poolSubmissions ({ config, pool, metrics }: ExecutionServices & { config: Config }, log: Log): Submissions {
  const run: JobRunner = async (input, { onRunning, onOutput, onTest, stop }, relay) => {
    const execution = { language: input.language.name }
    // An interactive submission whose client left before it ran is not run.
    const gone = () => relay?.abandoned === true
    const answer = await executeJob(input, { config, pool, metrics }, {
      log, execution, gone, patient: true, onRunning, live: { onOutput, onTest }, input: relay, stop
    })
    return answer && resultOf(input, answer)
  }
  const observer = {
    started: (seconds: number) => metrics.submissionWaitSeconds.observe(seconds),
    finished: (seconds: number) => metrics.submissionSeconds.observe(seconds),
    refused: (err: Error) => {
      const reason = rejectionReason(err)
      if (reason) metrics.rejected.inc({ reason })
    }
  }
  // The result of a submission that never ran: its input's kind's (a judge's answer for one with tests).
  const failed = (input: ExecutionInput | undefined, language: string, message: string, status?: 'cancelled') =>
    resultOf(input, notRun(language, message, status))
  const local = new SubmissionQueue(config.submissions, run, observer,
    (input, message, status) => failed(input, input.language.name, message, status))
  if (!config.queue.redisUrl) {
    metrics.observeSubmissions(local)
    return local
  }
  const cluster = new ClusterSubmissions({
    config,
    run,
    local,
    log,
    concurrency: config.queue.concurrency ?? pool.maxRunning,
    failed,
    observer: {
      ...observer,
      taken: (seconds) => metrics.queuePickupSeconds.observe(seconds),
      ended: (outcome) => metrics.queueJobsEnded.inc({ outcome })
    }
  })
  metrics.observeSubmissions(cluster)
  metrics.observeQueue(cluster)
  return cluster
}
