import type { JobFile } from '../../runner/src/contract/job'
import { commandsFor, type Language } from '../../runner/src/contract/languages'
import { checkFileName, FileNameError } from '../../runner/src/contract/file-names'
import { InvalidFieldError } from './errors'

/** A file as a request sends it (ours and Piston's). */
export interface SourceFile {
  name?: string
  content: string
  encoding?: 'utf8' | 'base64' | 'hex'
}

/** A multi-file job as the agent takes it: the entry point's source and name, and the other files. */
export interface PreparedFiles {
  code: string
  entryName?: string
  files: JobFile[]
}


const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/
const HEX = /^(?:[0-9a-fA-F]{2})*$/

function decoded (file: SourceFile, field: string): Buffer {
  if (file.encoding === 'base64') {
    if (file.content.length % 4 !== 0 || !BASE64.test(file.content)) throw new InvalidFieldError(`${field}.content`, 'is not valid base64')
    return Buffer.from(file.content, 'base64')
  }
  if (file.encoding === 'hex') {
    if (!HEX.test(file.content)) throw new InvalidFieldError(`${field}.content`, 'is not valid hex')
    return Buffer.from(file.content, 'hex')
  }
  return Buffer.from(file.content)
}

/**
 * Checks a request's files and splits them for the agent: the first is the entry point, its source
 * decoded to text; the others keep their bytes (sent as base64 unless they are utf8). Names must be
 * relative, without `..`, unique (the entry's default name included, for an unnamed entry); a file
 * without a name is `file<i>.code` as in Piston; the decoded total must fit in `maxBytes`. A problem is an InvalidFieldError naming the file's field.
 */
export function prepareFiles (files: SourceFile[], language: Language, maxBytes: number, field = 'files'): PreparedFiles {
  const names = new Set<string>()
  const directories = new Set<string>()
  let total = 0
  const prepared: PreparedFiles = { code: '', files: [] }
  files.forEach((file, index) => {
    const at = `${field}[${index}]`
    const bytes = decoded(file, at)
    total += bytes.length
    let name = file.name
    if (name === undefined && index > 0) name = `file${index}.code`
    if (index === 0) {
      prepared.code = bytes.toString('utf8')
      prepared.entryName = name
      name ??= commandsFor(language, prepared.code).fileName
    } else {
      prepared.files.push(file.encoding === undefined || file.encoding === 'utf8'
        ? { name: name!, content: file.content }
        : { name: name!, content: bytes.toString('base64'), encoding: 'base64' })
    }
    try {
      checkFileName(name!)
    } catch (err) {
      if (err instanceof FileNameError) throw new InvalidFieldError(`${at}.name`, `is not allowed: ${err.message}`)
      throw err
    }
    if (names.has(name!)) throw new InvalidFieldError(`${at}.name`, `${JSON.stringify(name)} is the name of an earlier file`)
    // A file cannot also be a directory on another file's path ("a" and "a/b.py").
    const parents = name!.split('/').slice(0, -1).map((_, i, segments) => segments.slice(0, i + 1).join('/'))
    const clash = parents.find((parent) => names.has(parent)) ?? (directories.has(name!) ? name : undefined)
    if (clash !== undefined) {
      throw new InvalidFieldError(`${at}.name`, `${JSON.stringify(name)} needs ${JSON.stringify(clash)} as both a file and a directory`)
    }
    names.add(name!)
    for (const parent of parents) directories.add(parent)
  })
  if (total > maxBytes) throw new InvalidFieldError(field, `hold ${total} bytes, over the limit of ${maxBytes}`)
  return prepared
}
