// A Judge0 job's output comes from the runner as base64 of the bytes the program wrote (outputBase64),
// so that Judge0's base64_encoded answers them raw. Shown as text, it must be UTF-8, as Judge0 requires.

/** Output that cannot be shown as text without base64_encoded=true: Judge0's Encoding::UndefinedConversionError. */
export class NotUtf8Error extends Error {
  constructor () {
    super('some attributes for this submission cannot be converted to UTF-8, use base64_encoded=true query parameter')
  }
}

const strict = new TextDecoder('utf-8', { fatal: true })

/** Bytes as text; a NotUtf8Error when they are not UTF-8. */
export function utf8Text (bytes: Buffer): string {
  try {
    return strict.decode(bytes)
  } catch {
    throw new NotUtf8Error()
  }
}
