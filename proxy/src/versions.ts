import semver from 'semver'

// Which toolchain versions a request may ask for: "*", the exact version a runner reports, or a semver
// range ("3", "3.11", "3.x", "^3.10", ">=17 <18"). Toolchains that do not report three numbers ("25",
// "6.8.0.105") are read as the semver version they begin with.

/** Whether `wanted` is something a request may ask for. */
export function isVersionRange (wanted: string): boolean {
  return wanted === '*' || semver.validRange(wanted) !== null
}

/** Whether the toolchain version `have` is one that `wanted` accepts; an absent `wanted` accepts any. */
export function versionSatisfies (wanted: string | undefined, have: string): boolean {
  if (wanted === undefined || wanted === '*' || wanted === have) return true
  const version = semver.coerce(have)
  const range = semver.validRange(wanted)
  return version !== null && range !== null && semver.satisfies(version, range)
}
