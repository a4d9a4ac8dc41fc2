import { closeSync, constants, fchownSync, lstatSync, mkdirSync, openSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { checkFileName, FileNameError } from './contract/file-names'

/**
 * Writes a new file under `dir`: parent directories are created and must be real directories, never
 * symlinks; the file itself is opened O_CREAT|O_EXCL|O_NOFOLLOW, so it never overwrites or follows anything.
 */
export function writeScratchFile (dir: string, name: string, content: string | Buffer, uid: number, gid: number): string {
  const segments = checkFileName(name)
  let parent = dir
  for (const segment of segments.slice(0, -1)) {
    parent = join(parent, segment)
    try {
      mkdirSync(parent, { mode: 0o755 })
      // chown through the path is safe: we just created it and nothing of the program runs yet.
      const fd = openSync(parent, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW)
      try { fchownSync(fd, uid, gid) } finally { closeSync(fd) }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
      if (!lstatSync(parent).isDirectory()) throw new FileNameError(`${JSON.stringify(name)}: ${segment} is not a directory`)
    }
  }
  const path = join(dir, ...segments)
  const fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o644)
  try {
    writeSync(fd, typeof content === 'string' ? Buffer.from(content) : content)
    fchownSync(fd, uid, gid)
  } finally {
    closeSync(fd)
  }
  return path
}
