import { isUtf8 } from 'node:buffer'

// A Judge0 job's output comes from the runner as base64 of the bytes the program wrote (outputBase64),
// so that Judge0's base64_encoded answers them raw. Shown as text, it must be UTF-8, as Judge0 requires.

/** Output that cannot be shown as text without base64_encoded=true: Judge0's Encoding::UndefinedConversionError. */
export class NotUtf8Error extends Error {
  /** `several`: Judge0's words for a list of submissions (a batch, a page). */
  constructor (several = false) {
    super(`some attributes for ${several ? 'one or more submissions' : 'this submission'} cannot be converted to UTF-8, ` +
      'use base64_encoded=true query parameter')
  }
}

/** Bytes as text; a NotUtf8Error when they are not UTF-8. */
export function utf8Text (bytes: Buffer): string {
  if (!isUtf8(bytes)) throw new NotUtf8Error()
  return bytes.toString('utf8')
}
