import { mkdtempSync, rmSync } from 'node:fs'
import { readFile, unlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { SubmissionResult } from './queue'

// Finished submissions' results, kept for GET within a budget of memory: a result may carry 16 MiB on
// each stream, and thousands of them are kept for minutes. Once the results held in memory would pass
// maxFinishedBytes, the next ones are written to files (spilled) and read back when asked for; the files
// have a budget of their own, past which the oldest spilled results are forgotten early.

export interface ResultStoreLimits {
  /** Results held in memory, in (estimated) bytes, all together. */
  maxFinishedBytes: number
  /** Results in spill files, in bytes, all together; past it the oldest are forgotten. */
  maxSpilledBytes: number
  /** Where spill files go: a directory of their own is made in it. Empty: the OS's temp directory. */
  spillDir: string
}

/** About how much memory an answer holds: its text twice over (V8 may keep it as UTF-16). */
export function answerBytes (answer: SubmissionResult): number {
  let chars = (answer.message?.length ?? 0) + 512
  const outputs: Array<{ stdout: string, stderr: string, output?: string } | null> =
    'tests' in answer && answer.tests ? [answer.compile, ...answer.tests] : [answer.compile, 'run' in answer ? answer.run : null]
  for (const stage of outputs) {
    if (stage) chars += stage.stdout.length + stage.stderr.length + (stage.output?.length ?? 0) + 256
  }
  return chars * 2
}

interface Spilled {
  path: string
  bytes: number
  /** Held until its file is written, so that it can be read meanwhile. */
  answer?: SubmissionResult
}

export class ResultStore {
  private readonly held = new Map<string, { answer: SubmissionResult, bytes: number }>()
  /** In the order they were spilled: the first is the oldest. */
  private readonly spilled = new Map<string, Spilled>()
  private heldTotal = 0
  private spilledTotal = 0
  private dir?: string
  private files = 0
  private closed = false

  /** `forgotten` is told of a result forgotten early, for the spill files' budget. */
  constructor (private readonly limits: ResultStoreLimits, private readonly forgotten: (id: string) => void = () => {}) {}

  /** Bytes of results held in memory now; of results in spill files now. */
  get heldBytes (): number { return this.heldTotal }
  get spilledBytes (): number { return this.spilledTotal }

  keep (id: string, answer: SubmissionResult): void {
    if (this.closed) return
    const bytes = answerBytes(answer)
    if (this.heldTotal + bytes <= this.limits.maxFinishedBytes) {
      this.held.set(id, { answer, bytes })
      this.heldTotal += bytes
      return
    }
    const text = JSON.stringify(answer)
    const size = Buffer.byteLength(text)
    while (this.spilledTotal + size > this.limits.maxSpilledBytes && this.spilled.size > 0) {
      const oldest = this.spilled.keys().next().value as string
      this.forget(oldest)
      this.forgotten(oldest)
    }
    const path = join(this.spillDirectory(), `${++this.files}.json`)
    const entry: Spilled = { path, bytes: size, answer }
    this.spilled.set(id, entry)
    this.spilledTotal += size
    writeFile(path, text).then(() => { entry.answer = undefined }, () => {
      // The disk refused it: the result cannot be kept within the budget, and is forgotten.
      if (this.spilled.get(id) === entry) {
        this.forget(id)
        this.forgotten(id)
      }
    })
  }

  /** The result kept for `id`; undefined when there is none (never kept, or forgotten). */
  async read (id: string): Promise<SubmissionResult | undefined> {
    const held = this.held.get(id)
    if (held) return held.answer
    const entry = this.spilled.get(id)
    if (!entry) return undefined
    if (entry.answer) return entry.answer
    try {
      return JSON.parse(await readFile(entry.path, 'utf8')) as SubmissionResult
    } catch {
      return undefined
    }
  }

  forget (id: string): void {
    const held = this.held.get(id)
    if (held) {
      this.held.delete(id)
      this.heldTotal -= held.bytes
      return
    }
    const entry = this.spilled.get(id)
    if (!entry) return
    this.spilled.delete(id)
    this.spilledTotal -= entry.bytes
    unlink(entry.path).catch(() => {})
  }

  /** Forgets everything, spill files included. */
  close (): void {
    this.closed = true
    this.held.clear()
    this.spilled.clear()
    this.heldTotal = this.spilledTotal = 0
    if (this.dir) rmSync(this.dir, { recursive: true, force: true })
    this.dir = undefined
  }

  private spillDirectory (): string {
    this.dir ??= mkdtempSync(join(this.limits.spillDir || tmpdir(), 'codeexec-results-'))
    return this.dir
  }
}
