import type { ExecutionServices } from './execution'
import type { Submissions } from './submissions/submissions'

/** This service's version, as /docs and Judge0's /about name it. */
export const SERVICE_VERSION = '0.1.0'

/** What every API plugin is registered with: the parts of the service it adapts its wire format to. */
export interface Services extends ExecutionServices {
  submissions: Submissions
}

/** The services alone, out of a plugin's options (which carry its prefix too: a nested plugin must not get it again). */
export function servicesOf ({ config, pool, metrics, submissions }: Services): Services {
  return { config, pool, metrics, submissions }
}
