import type { Launcher } from './launcher'

/**
 * A batch job's stop (POST /kill, its submission cancelled): the stage running now is killed at once, out
 * of band, and no stage or test after it runs. The job still ends, and cleans up, as any other.
 */
export class JobStop {
  requested = false

  constructor (private readonly launcher: Launcher) {}

  request (): void {
    this.requested = true
    this.launcher.kill()
  }
}
