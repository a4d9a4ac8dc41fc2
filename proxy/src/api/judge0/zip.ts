import { crc32, inflateRawSync } from 'node:zlib'
import { checkFileName, FileNameError } from '../../../../runner/src/contract/file-names'

// Judge0's additional_files: a zip, which Judge0 unzips into the program's directory with `unzip -n`
// (isolate_job.rb's extract_archive). Read here from its central directory, every entry checked before
// one byte is inflated: names as any job's, stored or deflated only, and at most `maxBytes` unpacked in
// all (inflating stops there, whatever the entries claim: a zip bomb costs nothing).

export class ZipError extends Error {}

export interface ZipEntry {
  name: string
  data: Buffer
}

const END_OF_DIRECTORY = 0x06054b50
const DIRECTORY_ENTRY = 0x02014b50
const LOCAL_HEADER = 0x04034b50

function endOfDirectory (zip: Buffer): number {
  // The record is 22 bytes, after which a comment of at most 65535 may follow.
  for (let at = zip.length - 22; at >= Math.max(0, zip.length - 22 - 65535); at--) {
    if (zip.readUInt32LE(at) === END_OF_DIRECTORY) return at
  }
  throw new ZipError('is not a zip archive')
}

/** The files of a zip (its directories are implied by the names), unpacked. */
export function unzip (zip: Buffer, maxBytes: number): ZipEntry[] {
  if (zip.length < 22) throw new ZipError('is not a zip archive')
  const end = endOfDirectory(zip)
  const count = zip.readUInt16LE(end + 10)
  let at = zip.readUInt32LE(end + 16)
  const entries: ZipEntry[] = []
  let total = 0
  for (let i = 0; i < count; i++) {
    if (at + 46 > zip.length || zip.readUInt32LE(at) !== DIRECTORY_ENTRY) throw new ZipError('has a broken central directory')
    const flags = zip.readUInt16LE(at + 8)
    const method = zip.readUInt16LE(at + 10)
    const crc = zip.readUInt32LE(at + 16)
    const compressed = zip.readUInt32LE(at + 20)
    const nameLength = zip.readUInt16LE(at + 28)
    const local = zip.readUInt32LE(at + 42)
    const name = zip.subarray(at + 46, at + 46 + nameLength).toString('utf8')
    at += 46 + nameLength + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32)
    if (name.endsWith('/')) continue
    try {
      checkFileName(name)
    } catch (err) {
      if (err instanceof FileNameError) throw new ZipError(`holds a file whose name is not allowed: ${err.message}`)
      throw err
    }
    if (flags & 1) throw new ZipError(`holds an encrypted file (${name})`)
    if (compressed === 0xffffffff || local === 0xffffffff) throw new ZipError(`holds a ZIP64 entry (${name}), which is not supported`)
    if (local + 30 > zip.length || zip.readUInt32LE(local) !== LOCAL_HEADER) throw new ZipError(`has a broken entry (${name})`)
    const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28)
    if (start + compressed > zip.length) throw new ZipError(`has a broken entry (${name})`)
    const raw = zip.subarray(start, start + compressed)
    const room = maxBytes - total
    let data: Buffer
    if (method === 0) {
      data = raw
    } else if (method === 8) {
      try {
        data = inflateRawSync(raw, { maxOutputLength: Math.max(1, room + 1) })
      } catch (err) {
        if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw new ZipError(`unpacks to more than ${maxBytes} bytes`)
        throw new ZipError(`has an entry that does not inflate (${name})`)
      }
    } else {
      throw new ZipError(`holds an entry compressed by method ${method} (${name}); only stored and deflated are supported`)
    }
    if (crc32(data) !== crc) throw new ZipError(`has an entry whose checksum is wrong (${name})`)
    total += data.length
    if (total > maxBytes) throw new ZipError(`unpacks to more than ${maxBytes} bytes`)
    entries.push({ name, data })
  }
  return entries
}
