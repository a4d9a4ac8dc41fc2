/**
 * A stage's or a test's stream as the bytes the program wrote: a job may have the runner send them as
 * base64 (outputBase64), for an API that gives output back raw (Judge0's base64_encoded, Jobe's escapes).
 */
export function outputBytes (report: { stdout: string, stderr: string, encoding?: 'base64' }, stream: 'stdout' | 'stderr'): Buffer {
  return Buffer.from(report[stream], report.encoding === 'base64' ? 'base64' : 'utf8')
}
