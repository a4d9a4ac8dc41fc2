import { closeSync, constants, fchownSync, lstatSync, mkdirSync, openSync, writeSync } from 'node:fs'
import { join } from 'node:path'

export class FileNameError extends Error {
  readonly code = 'RUNNER_ERR_INVALID_FILE_NAME'
}

/**
 * Checks a file name from a request against the job's scratch directory: relative, no `..`, no empty or
 * `.` segment, no NUL, no backslash. Returns the path segments.
 */
export function checkFileName (name: string): string[] {
  if (name.length === 0 || name.length > 255) throw new FileNameError('a file name must have 1 to 255 characters')
  if (name.includes('\0')) throw new FileNameError(`file name ${JSON.stringify(name)} holds a NUL byte`)
  if (name.includes('\\')) throw new FileNameError(`file name ${JSON.stringify(name)} holds a backslash`)
  if (name.startsWith('/')) throw new FileNameError(`file name ${JSON.stringify(name)} is absolute`)
  const segments = name.split('/')
  for (const segment of segments) {
    if (segment === '..') throw new FileNameError(`file name ${JSON.stringify(name)} climbs out with ..`)
    if (segment === '' || segment === '.') throw new FileNameError(`file name ${JSON.stringify(name)} has an empty or . segment`)
  }
  return segments
}

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
