import { execFileSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { languages, PROGRAM_PATH, type Language } from './contract/languages'

export type Versions = Record<string, string>

export function detectVersion (language: Language): string {
  try {
    const output = execFileSync(language.versionCommand[0], language.versionCommand.slice(1), {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 10000,
      // The same PATH as user programs get, so the version is that of the binary that runs them.
      env: { PATH: PROGRAM_PATH, LANG: 'C.UTF-8' }
    })
    const match = new RegExp(language.versionPattern).exec(output)
    return match ? match[1] : 'unknown'
  } catch {
    return 'unavailable'
  }
}

export function detectVersions (): Versions {
  const versions: Versions = {}
  for (const language of languages) versions[language.name] = detectVersion(language)
  return versions
}

/** Versions recorded at image build time, or read from the toolchains now when there is no record. */
export function loadVersions (file: string): Versions {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Versions
  } catch {
    return detectVersions()
  }
}

// `node versions.js OUT` records the versions at image build time.
if (require.main === module) {
  const out = process.argv[2]
  const json = JSON.stringify(detectVersions(), null, 2) + '\n'
  if (out) writeFileSync(out, json)
  process.stdout.write(json)
}
