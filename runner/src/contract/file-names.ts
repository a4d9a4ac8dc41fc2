// The rules a file name of a job must follow, checked by the proxy before a job is sent and by the agent
// before it writes the file.

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
