import type { Redis } from 'ioredis'
import type { SubmissionEvent, SubmissionListener, SubmissionResult } from '../queue'
import type { Keys } from './redis-scripts'

/** An event as published: a `done` carries no result (it may be megabytes); the receiver reads it by id. */
export type PublishedEvent = Exclude<SubmissionEvent, { type: 'done' }> | { type: 'done', id: string }

/**
 * Brings each user's submission events from whichever node runs them to this node's WebSockets, in the
 * order published: one Redis channel per user, subscribed while someone here listens to that user or
 * watches one of their submissions. Messages are handed on one at a time, so a `done` whose result must
 * be read first does not let a later event pass it. Pub/sub keeps nothing for a subscriber away: after
 * the connection comes back, each watched submission is read once, and its `done` given if it came then.
 */
export class EventChannel {
  private readonly watchers = new Map<string, { user: string, listener: SubmissionListener }>()
  private readonly listeners = new Map<string, Set<SubmissionListener>>()
  /** Why each user's channel is subscribed: how many watched submissions and listeners. */
  private readonly interest = new Map<string, number>()
  private delivered: Promise<void> = Promise.resolve()
  private wasConnected = false

  constructor (
    private readonly subscriber: Redis,
    private readonly keys: Keys,
    private readonly resultOf: (id: string) => Promise<SubmissionResult | undefined>,
    private readonly log: { warn: (object: object, message: string) => void }
  ) {
    const prefix = keys.events('')
    subscriber.on('message', (channel: string, message: string) => {
      if (!channel.startsWith(prefix)) return
      const user = channel.slice(prefix.length)
      this.delivered = this.delivered.then(() => this.deliver(user, JSON.parse(message) as PublishedEvent)).catch((err: unknown) => {
        this.log.warn({ err }, 'a submission event could not be delivered')
      })
    })
    subscriber.on('ready', () => {
      if (this.wasConnected) this.delivered = this.delivered.then(() => this.catchUp()).catch(() => {})
      this.wasConnected = true
    })
  }

  /** Hears `id`'s events from now on until its `done`; resolves once the channel is subscribed. */
  async watch (id: string, user: string, listener: SubmissionListener): Promise<void> {
    this.watchers.set(id, { user, listener })
    await this.want(user)
  }

  /** Stops watching a submission that never reached the queue. */
  unwatch (id: string): void {
    const watcher = this.watchers.get(id)
    if (!watcher) return
    this.watchers.delete(id)
    this.unwant(watcher.user)
  }

  listen (user: string, listener: SubmissionListener): () => void {
    const set = this.listeners.get(user) ?? new Set()
    set.add(listener)
    this.listeners.set(user, set)
    void this.want(user).catch(() => {})
    return () => {
      if (!set.delete(listener)) return
      if (set.size === 0) this.listeners.delete(user)
      this.unwant(user)
    }
  }

  /** How many submissions this node watches for their makers now. */
  get watching (): number {
    return this.watchers.size
  }

  private async want (user: string): Promise<void> {
    const count = (this.interest.get(user) ?? 0) + 1
    this.interest.set(user, count)
    if (count === 1) await this.subscriber.subscribe(this.keys.events(user))
  }

  private unwant (user: string): void {
    const count = (this.interest.get(user) ?? 1) - 1
    if (count > 0) {
      this.interest.set(user, count)
      return
    }
    this.interest.delete(user)
    void this.subscriber.unsubscribe(this.keys.events(user)).catch(() => {})
  }

  private async deliver (user: string, published: PublishedEvent): Promise<void> {
    let event: SubmissionEvent
    if (published.type === 'done') {
      // The channel is the user's: another of their submissions, watched here, may be why it is heard.
      if (!this.watchers.has(published.id) && !this.listeners.get(user)?.size) return
      const result = await this.resultOf(published.id)
      if (!result) return
      event = { type: 'done', id: published.id, result }
    } else event = published
    const watcher = this.watchers.get(event.id)
    watcher?.listener(event)
    for (const listener of this.listeners.get(user) ?? []) listener(event)
    if (event.type === 'done' && watcher) {
      this.watchers.delete(event.id)
      this.unwant(user)
    }
  }

  /** After a gap in the connection: the `done` of every watched submission that finished meanwhile. */
  private async catchUp (): Promise<void> {
    for (const [id, { user }] of [...this.watchers]) {
      if (await this.resultOf(id)) await this.deliver(user, { type: 'done', id })
    }
  }
}
