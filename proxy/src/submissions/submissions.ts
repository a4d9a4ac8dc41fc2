import type { ExecutionInput } from '../execution'
import type { CancelOutcome, SubmissionListener, SubmissionView, SubmitOptions } from './queue'

/**
 * What the APIs use of submissions, wherever they live: in this process (SubmissionQueue, the default)
 * or in Redis shared by every proxy (cluster/cluster-submissions.ts, with queue.redisUrl).
 */
export interface Submissions {
  /** Queues a job for `userId`; rejects with a 429 at a cap, a 503 when shut down or the queue is unreachable. */
  submit (userId: string, input: ExecutionInput, options?: SubmitOptions): Promise<SubmissionView>
  /** The submission as its user may see it; undefined when unknown, forgotten, or another user's. */
  get (id: string, userId?: string): Promise<SubmissionView | undefined>
  /**
   * Cancels a submission (of `userId` when given: another's is unknown): queued, it never runs; running, its
   * runner stops it; its result's status, or a judge's verdict, is then `cancelled`. Done already, nothing changes.
   */
  cancel (id: string, userId?: string): Promise<CancelOutcome>
  /** Whether this node may still be asked about a submission it took (for views kept beside it). */
  knows (id: string): boolean
  /** Every event of `userId`'s submissions from now on, until the returned function is called. */
  subscribe (userId: string, listener: (event: Parameters<SubmissionListener>[0]) => void): () => void
  /** Submissions queued and running: this node's, or the cluster's as last read. */
  readonly queued: number
  readonly running: number
  /** Whether submissions can be taken now (false while the shared queue is unreachable). */
  readonly available: boolean
  /** Takes no more submissions; lets those running here finish. */
  close (): Promise<void>
  /** Lets go of everything held: once nothing runs or reads any more. */
  dispose (): Promise<void>
}
