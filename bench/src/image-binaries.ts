import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Docker from 'dockerode'

const LIB = 'usr/lib/x86_64-linux-gnu'

/**
 * The runner image's own node, runnable on the host without a container: the files it needs are copied
 * out of the image into a directory, and it runs chrooted there (chroot only; no namespaces, no cgroup,
 * no seccomp). The host's node is another build and major version, so the floor would not run the same
 * program otherwise. Returns the root directory; the program's files go under it.
 */
export async function imageNodeRoot (image: string): Promise<string> {
  const docker = new Docker()
  const info = await docker.getImage(image).inspect()
  const dir = join(tmpdir(), `codeexec-floor-${info.Id.replace('sha256:', '').slice(0, 16)}`)
  if (!existsSync(join(dir, 'usr/bin/node'))) {
    const partial = `${dir}.partial`
    rmSync(partial, { recursive: true, force: true })
    mkdirSync(partial, { recursive: true })
    const container = await docker.createContainer({ Image: image, Cmd: ['true'], HostConfig: { NetworkMode: 'none' } })
    try {
      const stream = await container.export()
      await new Promise<void>((resolve, reject) => {
        const paths = ['lib', 'lib64', 'usr/bin/node', LIB, 'usr/lib64', 'usr/share/nodejs', 'etc/ld.so.cache']
        const tar = spawn('tar', ['-x', '-C', partial, ...paths], { stdio: ['pipe', 'ignore', 'inherit'] })
        stream.pipe(tar.stdin)
        tar.on('error', reject)
        tar.on('close', (code) => code === 0 ? resolve() : reject(new Error(`tar exited ${code}`)))
      })
    } finally {
      await container.remove({ force: true })
    }
    mkdirSync(join(partial, 'tmp'), { mode: 0o1777 })
    rmSync(dir, { recursive: true, force: true })
    renameSync(partial, dir)
  }
  return dir
}
