import { request } from 'undici'

// Judge0's callback_url (isolate_job.rb's call_callback): once a submission is done, its default fields,
// base64-encoded, are PUT there as JSON. A try that fails to connect or times out is tried again, up to
// CALLBACKS_MAX_TRIES (3); any answer, whatever its status, ends it. It never holds the job up.

export const CALLBACK_TRIES = 3
export const CALLBACK_TIMEOUT_MS = 5000

export interface CallbackLog {
  info: (object: object, message: string) => void
}

/** PUTs `body` to `url`; resolves when answered or given up, never rejects. */
export async function sendCallback (url: string, body: string, log: CallbackLog, timeoutMs = CALLBACK_TIMEOUT_MS): Promise<void> {
  for (let attempt = 1; attempt <= CALLBACK_TRIES; attempt++) {
    try {
      const answer = await request(url, {
        method: 'PUT',
        body,
        headers: { 'content-type': 'application/json' },
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
        signal: AbortSignal.timeout(timeoutMs)
      })
      await answer.body.dump()
      return
    } catch (err) {
      log.info({ attempt, err: (err as Error).message }, 'judge0 callback failed')
    }
  }
}
