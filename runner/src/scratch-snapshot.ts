import {
  closeSync, constants, fchmodSync, fchownSync, fstatSync, lchownSync, lstatSync, mkdirSync, openSync, readdirSync, readFileSync,
  readlinkSync, symlinkSync, writeSync
} from 'node:fs'
import { join } from 'node:path'

/** One entry of a snapshot, its path relative to the snapshot's root. */
type Entry =
  | { kind: 'dir', path: string, mode: number }
  | { kind: 'file', path: string, mode: number, data: Buffer }
  | { kind: 'link', path: string, target: string }

/** A job directory's tree as it was once compiled: directories, regular files and symlinks. */
export interface Snapshot {
  entries: Entry[]
  bytes: number
}

/**
 * What is in `dir`, read as root from a tree the program's uid wrote (no process of it runs any more):
 * symlinks are kept as links, never followed, and anything but a directory, a regular file or a symlink
 * (a FIFO, which would block the read) is left out. Throws past `maxBytes`.
 */
export function takeSnapshot (dir: string, maxBytes: number): Snapshot {
  const snapshot: Snapshot = { entries: [], bytes: 0 }
  const walk = (relative: string) => {
    for (const name of readdirSync(join(dir, relative)).sort()) {
      const path = relative === '' ? name : `${relative}/${name}`
      const full = join(dir, path)
      const stat = lstatSync(full)
      if (stat.isSymbolicLink()) {
        snapshot.entries.push({ kind: 'link', path, target: readlinkSync(full) })
      } else if (stat.isDirectory()) {
        snapshot.entries.push({ kind: 'dir', path, mode: stat.mode & 0o777 })
        walk(path)
      } else if (stat.isFile()) {
        const fd = openSync(full, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK)
        try {
          // The same file as looked at: a regular one.
          if (!fstatSync(fd).isFile()) continue
          const data = readFileSync(fd)
          snapshot.bytes += data.length
          if (snapshot.bytes > maxBytes) throw new Error(`the compiled program is over ${maxBytes} bytes`)
          snapshot.entries.push({ kind: 'file', path, mode: stat.mode & 0o777, data })
        } finally {
          closeSync(fd)
        }
      }
    }
  }
  walk('')
  return snapshot
}

/** Makes `dir` anew as the snapshot's tree, everything the program's uid's, as the compile left it. */
export function restoreSnapshot (dir: string, snapshot: Snapshot, uid: number, gid: number): void {
  mkdirSync(dir, { mode: 0o700 })
  const own = (path: string, mode: number) => {
    const fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW)
    try {
      fchownSync(fd, uid, gid)
      fchmodSync(fd, mode)
    } finally {
      closeSync(fd)
    }
  }
  own(dir, 0o700)
  for (const entry of snapshot.entries) {
    const path = join(dir, entry.path)
    if (entry.kind === 'dir') {
      mkdirSync(path)
      own(path, entry.mode)
    } else if (entry.kind === 'link') {
      symlinkSync(entry.target, path)
      lchownSync(path, uid, gid)
    } else {
      const fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, entry.mode)
      try {
        writeSync(fd, entry.data)
        fchownSync(fd, uid, gid)
        fchmodSync(fd, entry.mode)
      } finally {
        closeSync(fd)
      }
    }
  }
}
