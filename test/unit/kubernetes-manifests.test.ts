import { readdirSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { parseAllDocuments } from 'yaml'
import { parseConfig } from '../../proxy/src/config'

// deploy/kubernetes cannot be applied here (no cluster): every manifest is checked against Kubernetes'
// own schemas (kubernetes-models), and the parts are checked to name each other rightly.
const DIR = resolve(__dirname, '../../deploy/kubernetes')

interface Manifest { apiVersion: string, kind: string, metadata: { name: string, labels?: Record<string, string> }, spec?: any, data?: any }

/** The model class of a manifest's apiVersion and kind, as kubernetes-models lays them out. */
function modelOf (apiVersion: string, kind: string): new (data: unknown) => { validate: () => void } {
  const models = require(`kubernetes-models/${apiVersion}`) as Record<string, new (data: unknown) => { validate: () => void }>
  if (!models[kind]) throw new Error(`kubernetes-models has no ${kind} in ${apiVersion}`)
  return models[kind]
}

const kustomization = parseAllDocuments(readFileSync(join(DIR, 'kustomization.yaml'), 'utf8'))[0].toJS()
const manifests: Manifest[] = (kustomization.resources as string[]).flatMap((file) =>
  parseAllDocuments(readFileSync(join(DIR, file), 'utf8')).map((document) => document.toJS() as Manifest))
const find = (kind: string, name: string) => manifests.find((manifest) => manifest.kind === kind && manifest.metadata.name === name)!

describe('the Kubernetes manifests', () => {
  test('kustomize lists every manifest in the folder, and only those', () => {
    const files = readdirSync(DIR).filter((file) => file.endsWith('.yaml') && file !== 'kustomization.yaml').sort()
    expect([...kustomization.resources].sort()).toEqual(files)
    expect(kustomization).toMatchObject({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', namespace: 'codeexec' })
  })

  test('every manifest is valid against its Kubernetes schema', () => {
    expect(manifests.map((manifest) => `${manifest.kind}/${manifest.metadata.name}`).sort()).toEqual([
      'ConfigMap/codeexec-config', 'Deployment/codeexec-worker', 'HorizontalPodAutoscaler/codeexec-worker', 'Namespace/codeexec',
      'NetworkPolicy/codeexec-worker', 'NetworkPolicy/redis', 'Service/codeexec', 'Service/redis', 'StatefulSet/redis'
    ])
    for (const manifest of manifests) {
      const Model = modelOf(manifest.apiVersion, manifest.kind)
      expect(() => new Model(manifest).validate()).not.toThrow()
    }
  })

  test('the schemas do catch a wrong manifest', () => {
    const worker = structuredClone(find('Deployment', 'codeexec-worker'))
    worker.spec.template.spec.containers[0].ports[0].containerPort = 'http'
    expect(() => new (modelOf('apps/v1', 'Deployment'))(worker).validate()).toThrow(/containerPort/)
  })

  test('the parts name each other: Services, policies and the autoscaler select the workers; the config is ours and shares the queue', () => {
    const worker = find('Deployment', 'codeexec-worker')
    const podLabels = worker.spec.template.metadata.labels
    expect(podLabels).toMatchObject(worker.spec.selector.matchLabels)
    expect(podLabels).toMatchObject(find('Service', 'codeexec').spec.selector)
    expect(podLabels).toMatchObject(find('NetworkPolicy', 'codeexec-worker').spec.podSelector.matchLabels)
    expect(find('HorizontalPodAutoscaler', 'codeexec-worker').spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'codeexec-worker' })
    const redisPods = find('StatefulSet', 'redis').spec.template.metadata.labels
    expect(redisPods).toMatchObject(find('Service', 'redis').spec.selector)
    expect(redisPods).toMatchObject(find('NetworkPolicy', 'redis').spec.podSelector.matchLabels)

    const container = worker.spec.template.spec.containers[0]
    const env = Object.fromEntries(container.env.map((entry: { name: string, value?: string }) => [entry.name, entry.value]))
    expect(env.REDIS_URL).toBe('redis://redis:6379')
    const config = parseConfig(JSON.parse(find('ConfigMap', 'codeexec-config').data['pool.config.json']))
    expect(config.queue.redisUrl).toBe(env.REDIS_URL)
    expect(container.volumeMounts.map((mount: { mountPath: string }) => mount.mountPath)).toEqual(
      expect.arrayContaining([config.runner.socketDir, config.docker.socketPath, '/etc/codeexec']))
    expect(env.POOL_CONFIG).toBe('/etc/codeexec/pool.config.json')
    expect(find('HorizontalPodAutoscaler', 'codeexec-worker').spec.metrics[0].external.metric)
      .toEqual({ name: 'codeexec_cluster_queue_jobs', selector: { matchLabels: { state: 'waiting' } } })
    // Prometheus scrapes each worker where it serves /metrics.
    expect(worker.spec.template.metadata.annotations).toEqual({ 'prometheus.io/scrape': 'true', 'prometheus.io/port': '3000', 'prometheus.io/path': '/metrics' })
  })
})
