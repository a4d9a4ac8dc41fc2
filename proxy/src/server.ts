import { resolve } from 'node:path'
import closeWithGrace from 'close-with-grace'
import pino from 'pino'
import { buildApp } from './app'
import { loadConfig } from './config'
import { ConfigError, ImageMissingError } from './errors'
import { parseEnvironment } from './environment'
import { Metrics } from './metrics'
import { DockerProvider } from './pool/docker-provider'
import { RunnerPool } from './pool/runner-pool'

async function main (): Promise<void> {
  let config
  let environment
  try {
    environment = parseEnvironment(process.env)
    config = loadConfig(environment.configPath)
    if (environment.redisUrl) config.queue.redisUrl = environment.redisUrl
    if (environment.poolName) config.poolName = environment.poolName
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message)
      process.exit(2)
    }
    throw err
  }
  const logger = pino({ level: environment.logLevel })
  const metrics = new Metrics()
  const provider = new DockerProvider(config, logger, metrics)
  const pool = new RunnerPool(provider, config.pool, logger, metrics)
  const app = buildApp({ config, pool, metrics, loggerInstance: logger, webRoot: resolve(__dirname, '../../web') })

  closeWithGrace({ delay: environment.shutdownGraceMs }, async ({ signal, err }) => {
    if (err) logger.error({ err }, 'shutting down after an error')
    else logger.info({ signal }, 'shutting down: draining the pool and removing its runners')
    await app.close()
  })

  await app.listen({ port: environment.port, host: environment.host })
  // Fill after listening: /healthz answers at once, /readyz once the pool reaches its minimum.
  try {
    await pool.start()
  } catch (err) {
    // Without its image no runner can be made: say so and stop, rather than retry forever.
    if (!(err instanceof ImageMissingError)) throw err
    console.error(err.message)
    await app.close()
    process.exit(2)
  }
  logger.info({ pool: config.poolName, min: config.pool.min, max: config.pool.max }, 'filling the runner pool')
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
