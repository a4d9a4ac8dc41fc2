/**
 * A job's stop, asked by whoever made it (a submission cancelled): before a runner takes the job it never
 * runs; once one has, the runner is told to stop it (Runner.stop) and its answer says `cancelled`.
 */
export class StopRequest {
  requested = false
  private action?: () => void

  request (): void {
    if (this.requested) return
    this.requested = true
    this.action?.()
  }

  /** What stopping does from now on (nothing, with undefined); done at once when a stop was asked already. */
  whenRequested (action: (() => void) | undefined): void {
    this.action = action
    if (this.requested) action?.()
  }
}
