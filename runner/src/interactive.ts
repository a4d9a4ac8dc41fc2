import { constants } from 'node:os'
import type { Duplex } from 'node:stream'
import type { JobOutcome, LiveJob } from './job'
import { InputRelay } from './contract/input-relay'
import { control, type Launcher } from './launcher'
import { LineSplitter } from './contract/lines'
import { liveEventLine, RESULT_LINE_PREFIX } from './contract/live-events'
import { ndjsonLiveJob } from './live-job'
import { streamSink, writeResult, type ResultShape } from './result-writer'

// The longest control line taken: a stdin message, JSON-escaped.
const CONTROL_LINE_BYTES = 8 << 20

/** The launcher's control lines for a message; null when it is not one. */
export function controlLines (message: unknown): Buffer[] | null {
  if (typeof message !== 'object' || message === null) return null
  const { type, data, signal } = message as Record<string, unknown>
  if (type === 'stdin' && typeof data === 'string') return control.input(Buffer.from(data, 'utf8'))
  if (type === 'eof') return control.endOfInput()
  const number = typeof signal === 'string' ? (constants.signals as Record<string, number>)[signal] : undefined
  if (type === 'signal' && number !== undefined) return control.signal(number)
  return null
}

export interface InteractiveRun {
  launcher: Launcher
  /** Checks the job's line and runs it; throws on a bad job, as POST /execute answers it. */
  run: (header: string, live: LiveJob) => Promise<{ result: JobOutcome, shape: ResultShape }>
  bodyLimitBytes: number
}

export interface InteractiveJob {
  /** Resolves once the job is over. */
  done: Promise<void>
  /** Kills the program out of band, at once or as soon as its run stage starts (POST /kill, or the client gone). */
  kill: () => void
}

/**
 * One interactive job on an upgraded socket. In: the job's JSON line, then control messages. Out: the
 * NDJSON of a streamed job (live-job.ts) and its result, then the end of the socket. A client that goes
 * away mid-run has its program killed; the job still ends and cleans up as any other.
 */
export function interactiveJob (socket: Duplex, head: Buffer, { launcher, run, bodyLimitBytes }: InteractiveRun): InteractiveJob {
  // Set once the program is to die; `running`: its run stage runs now.
  let killed = false
  let running = false
  const kill = () => {
    killed = true
    if (running) launcher.kill()
  }
  const done = new Promise<void>((resolve) => {
    // Held until the run stage starts: its program does not exist before.
    const relay = new InputRelay(socket)
    let started = false
    let over = false
    const write = (line: string) => { if (!socket.destroyed && socket.writable) socket.write(line) }
    const finish = (last: { result: JobOutcome, shape: ResultShape } | { error: { code: string, message: string } }) => {
      over = true
      relay.close()
      const writable = !socket.destroyed && socket.writable
      if ('error' in last) {
        if (writable) socket.end(liveEventLine({ type: 'result', ...last }))
        resolve()
        return
      }
      const written = writable ? writeResult(streamSink(socket), last.result, last.shape, RESULT_LINE_PREFIX, '\n') : Promise.resolve()
      void written.then(() => {
        if (!socket.destroyed) socket.end()
        resolve()
      })
    }

    const start = (header: string) => {
      started = true
      const live = ndjsonLiveJob(write, true)
      const { onStage, onExit } = live
      live.onStage = (stage) => {
        onStage?.(stage)
        if (stage !== 'run') return
        running = true
        if (killed) launcher.kill()
        relay.open({ write: (lines) => launcher.control(lines), drained: (listener) => launcher.drained(listener) })
      }
      live.onExit = (stage, report) => {
        if (stage === 'run') {
          running = false
          relay.close()
        }
        onExit?.(stage, report)
      }
      // A bad job line throws at once: it is answered as a failed job, like any other failure.
      const failed = (err: Error & { code?: string }) => finish({ error: { code: err.code ?? 'RUNNER_ERR_INTERNAL', message: err.message } })
      new Promise<{ result: JobOutcome, shape: ResultShape }>((resolve) => resolve(run(header, live))).then(finish, failed)
    }

    const line = (text: string) => {
      if (!started) return start(text)
      let message: unknown
      try {
        message = JSON.parse(text)
      } catch {
        return
      }
      // The proxy checks every message; anything else is dropped.
      const parts = controlLines(message)
      if (parts) relay.send(parts)
    }

    const lines = new LineSplitter(line)
    const take = (chunk: Buffer) => {
      lines.write(chunk)
      if (lines.pending > (started ? CONTROL_LINE_BYTES : bodyLimitBytes)) {
        // Nobody sends that: the program goes, and the socket with it.
        relay.abandon([])
        kill()
        socket.destroy()
      }
    }

    socket.on('data', take)
    socket.on('error', () => {})
    // The agent's sockets are half-open ones (node:http's): a client that ends its side has gone.
    const gone = () => {
      if (!started) {
        if (!over) resolve()
        over = true
        socket.destroy()
        return
      }
      if (over) return
      // Its input is of no use any more; the kill goes out of band, not behind it.
      relay.abandon([])
      kill()
    }
    socket.on('end', gone)
    socket.on('close', gone)
    if (head.length > 0) take(head)
  })
  return { done, kill }
}
