import type { Judge0Record } from './submission'

/** What is kept of a Judge0 submission besides the queue's: its request, its times, whose it is. */
export type Kept = Omit<Judge0Record, 'state' | 'outcome'> & { userId?: string }

/**
 * Each Judge0 submission's request, by token, for as long as the submission queue knows it (and no more
 * than it keeps): the queue holds the state and the result, this the rest of what Judge0 shows.
 */
export class Judge0Records {
  private readonly records = new Map<string, Kept>()

  constructor (private readonly keep: number, private readonly known: (token: string) => boolean) {}

  add (record: Kept): void {
    this.records.set(record.token, record)
    while (this.records.size > this.keep) this.records.delete(this.records.keys().next().value!)
  }

  get (token: string): Kept | undefined {
    return this.records.get(token)
  }

  /** Every submission the queue still knows, newest first (Judge0's order: created_at descending). */
  newestFirst (): Kept[] {
    for (const token of this.records.keys()) if (!this.known(token)) this.records.delete(token)
    return [...this.records.values()].reverse()
  }
}
