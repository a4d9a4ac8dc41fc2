import type { Judge0Record } from './submission'

/** What is kept of a Judge0 submission besides the queue's: its request, its times, whose it is. */
export type Kept = Omit<Judge0Record, 'state' | 'outcome'> & { userId?: string }

/** A kept request as JSON, to be kept beside its submission where every node can read it (cluster mode). */
export function keptAsJson (record: Kept): unknown {
  const files = record.request.additional_files
  return { ...record, request: { ...record.request, additional_files: files && { zip: files.zip.toString('base64'), files: [] } } }
}

/** A kept request read back from keptAsJson. */
export function keptFromJson (json: unknown): Kept {
  const record = json as Kept
  const files = record.request.additional_files as unknown as { zip: string } | null
  return { ...record, request: { ...record.request, additional_files: files && { zip: Buffer.from(files.zip, 'base64'), files: [] } } }
}

/** About what a kept request holds in memory: its texts (two bytes a character) and its zip. */
function sizeOf (record: Kept): number {
  const { request } = record
  const texts = [request.source_code, request.stdin, request.expected_output, request.compiler_options, request.command_line_arguments]
  return texts.reduce((sum, text) => sum + 2 * (text?.length ?? 0), 512) + (request.additional_files?.zip.length ?? 0)
}

/**
 * Each Judge0 submission's request, by token, for as long as the submission queue knows it, and no more
 * of them than it keeps nor than `maxBytes` of them (Judge0 shows a submission's source, input and files
 * with its result): the oldest go first, and read as unknown then. The queue holds the state and the
 * result, this the rest of what Judge0 shows.
 */
export class Judge0Records {
  private readonly records = new Map<string, { record: Kept, bytes: number }>()
  private bytes = 0

  constructor (private readonly keep: number, private readonly maxBytes: number, private readonly known: (token: string) => boolean) {}

  /** Keeps `record`; its unpacked files are not kept (the job has them): the view shows the zip. */
  add (record: Kept): void {
    const files = record.request.additional_files
    if (files) record.request.additional_files = { zip: files.zip, files: [] }
    const bytes = sizeOf(record)
    this.records.set(record.token, { record, bytes })
    this.bytes += bytes
    while (this.records.size > this.keep || (this.bytes > this.maxBytes && this.records.size > 1)) this.delete(this.records.keys().next().value!)
  }

  get (token: string): Kept | undefined {
    return this.records.get(token)?.record
  }

  /** Every submission the queue still knows, newest first (Judge0's order: created_at descending). */
  newestFirst (): Kept[] {
    for (const token of this.records.keys()) if (!this.known(token)) this.delete(token)
    return [...this.records.values()].map((entry) => entry.record).reverse()
  }

  get heldBytes (): number {
    return this.bytes
  }

  private delete (token: string): void {
    const entry = this.records.get(token)
    if (!entry) return
    this.records.delete(token)
    this.bytes -= entry.bytes
  }
}
