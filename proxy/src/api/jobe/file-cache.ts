/**
 * Jobe's file cache (FileCache.php) in memory: files PUT by id, for runs that name them in file_list.
 * Bounded in bytes; the least recently used go first, as Jobe's cache is cleared when its disk fills.
 * CodeRunner PUTs a file again when a HEAD says it is gone.
 */
export class FileCache {
  private readonly files = new Map<string, Buffer>()
  private bytes = 0

  constructor (readonly maxBytes: number) {}

  /** Keeps `contents` under `id` (replacing what was there); false when it alone is over the cache's size. */
  put (id: string, contents: Buffer): boolean {
    if (contents.length > this.maxBytes) return false
    this.delete(id)
    this.files.set(id, contents)
    this.bytes += contents.length
    for (const [oldest, data] of this.files) {
      if (this.bytes <= this.maxBytes) break
      this.files.delete(oldest)
      this.bytes -= data.length
    }
    return true
  }

  /** The file, which becomes the most recently used; undefined when unknown or evicted. */
  get (id: string): Buffer | undefined {
    const contents = this.files.get(id)
    if (contents === undefined) return undefined
    this.files.delete(id)
    this.files.set(id, contents)
    return contents
  }

  has (id: string): boolean {
    return this.files.has(id)
  }

  private delete (id: string): void {
    const old = this.files.get(id)
    if (old === undefined) return
    this.files.delete(id)
    this.bytes -= old.length
  }
}
