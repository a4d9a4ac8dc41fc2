import { chmodSync, mkdirSync, rmSync } from 'node:fs'
import { dirname } from 'node:path'
import { buildAgent } from './app'
import { loadAgentConfig } from './config'
import { loadVersions } from './versions'

const config = loadAgentConfig()
mkdirSync(config.scratchRoot, { recursive: true })
const agent = buildAgent(config, loadVersions(config.versionsFile))

if (config.socketPath) {
  mkdirSync(dirname(config.socketPath), { recursive: true })
  rmSync(config.socketPath, { force: true })
  agent.server.listen(config.socketPath, () => {
    chmodSync(config.socketPath as string, 0o600)
    console.log(`runner agent listening on ${config.socketPath}`)
  })
} else {
  agent.server.listen(config.port, config.host, () => {
    console.log(`runner agent listening on ${config.host}:${config.port}`)
  })
}

// The runner is going away (docker stop, the engine shutting down): the proxy's kept-alive connection
// must not hold the exit back for the whole grace period, nor a job in flight (it is lost either way).
const stop = () => {
  agent.close()
  agent.server.close(() => process.exit(0))
  agent.server.closeAllConnections()
  setTimeout(() => process.exit(0), 1000).unref()
}
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
