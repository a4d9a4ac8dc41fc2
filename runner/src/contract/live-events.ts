import type { JobResult, JobStatus, TestReport } from './job'
import type { StageName } from './limits'

/**
 * What the agent tells of a live job (streamed or interactive), one JSON object a line: each stage as
 * it starts, each read of the program's output, each stage as it ends, then the job's result, or the
 * error that ended it on the agent's side. The agent writes these (runner/src/live-job.ts); the proxy
 * reads them (proxy/src/pool/runner.ts).
 */
export type LiveEvent =
  | { type: 'stage', stage: StageName }
  | { type: 'output', stage: StageName, stream: 'stdout' | 'stderr', data: string }
  | { type: 'exit', stage: StageName, status: JobStatus, exitCode: number | null, signal: string | null }
  | { type: 'test', index: number, test: TestReport }
  | LiveResult

/** The last line: the result, fields and all, or the agent's error. */
export type LiveResult = { type: 'result' } & (JobResult | { error: { code: string, message: string } })

/** The prefix the agent writes before a result's own fields (it streams the result, which can be tens of megabytes). */
export const RESULT_LINE_PREFIX = '"type":"result",'

export function liveEventLine (event: LiveEvent): string {
  return JSON.stringify(event) + '\n'
}
