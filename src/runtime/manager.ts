import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { collectDefaultMetrics } from 'prom-client';
import {
  requestFor,
  requestKey,
  type CacheProvider,
  type ControllerDefinition,
  type ControllerDeps,
  type WatchEventType,
} from './controller.ts';
import { ControllerRunner } from './controller-runner.ts';
import { EventRecorder } from './events.ts';
import { parseBindAddress, startHttpServer, type RunningServer } from './http-server.ts';
import { Informer } from './informer.ts';
import { LeaderElector } from './leader-election.ts';
import { silentLogger, type Logger } from './log.ts';
import { RuntimeMetrics } from './metrics.ts';
import { resourceId, resourceOfPath, ResourceResolver, type ResourceRef } from './resources.ts';
import { RestClient, type ClusterAccess } from './rest.ts';
import { metadataOnly, trimObject } from './trim.ts';
import type { KubeObject } from './object.ts';

/** Leader election settings of a {@link Manager}. */
export interface ManagerLeaderElection {
  /** Lease name (`--leader-election-id`). */
  readonly id: string;
  readonly namespace: string;
  /** Default: `<hostname>_<uuid>`. */
  readonly identity?: string;
  readonly leaseDurationMs?: number;
  readonly renewDeadlineMs?: number;
  readonly retryPeriodMs?: number;
}

/** Options for {@link Manager}. */
export interface ManagerOptions {
  /** Our ClusterConfig (the operator: `loadClusterAccess`) or a client-node KubeConfig (the sandbox, tests). */
  readonly kubeConfig: ClusterAccess;
  /** Watched namespaces; empty or undefined: all. */
  readonly namespaces?: readonly string[];
  /** Run controllers only while holding this lease; undefined: always run. */
  readonly leaderElection?: ManagerLeaderElection;
  /** `/metrics` (default `:8080`; `0` disables). */
  readonly metricsBindAddress?: string;
  /** `/healthz` and `/readyz` (default `:8081`; `0` disables). */
  readonly healthProbeBindAddress?: string;
  /** Workers per controller unless the definition says otherwise (default 1). */
  readonly workers?: number;
  /** How long a graceful stop waits for in-flight reconciles (default 30 s). */
  readonly gracefulShutdownTimeoutMs?: number;
  /** Silent restart threshold for watches (see Reflector). */
  readonly watchdogMs?: number;
  readonly log?: Logger;
  /** Default: a new registry with the Node.js process metrics. */
  readonly metrics?: RuntimeMetrics;
}

/**
 * Runs informers and controllers like controller-runtime's manager: caches run on every replica,
 * controllers only on the leader; serves /healthz, /readyz (informers synced) and /metrics.
 * `start(signal)` resolves after a graceful stop (abort `signal`, e.g. on SIGTERM: stop taking
 * work, finish in-flight reconciles, release the lease) and rejects when leadership is lost.
 */
export class Manager implements CacheProvider {
  readonly client: RestClient;
  readonly resolver: ResourceResolver;
  readonly events: EventRecorder;
  readonly metrics: RuntimeMetrics;
  readonly log: Logger;
  readonly #o: ManagerOptions;
  readonly #informers = new Map<string, Informer>();
  readonly #controllers: { def: ControllerDefinition; runner: ControllerRunner }[] = [];
  readonly #identity: string;
  #servers: RunningServer[] = [];
  #metricsServer: RunningServer | undefined;
  #probeServer: RunningServer | undefined;
  readonly #serving = Promise.withResolvers<undefined>();
  #started = false;

  constructor(opts: ManagerOptions) {
    this.#o = opts;
    this.log = opts.log ?? silentLogger();
    if (opts.metrics) this.metrics = opts.metrics;
    else {
      this.metrics = new RuntimeMetrics();
      collectDefaultMetrics({ register: this.metrics.registry });
    }
    const requests = this.metrics.restRequests;
    this.client = new RestClient(opts.kubeConfig, {
      onResponse: (method, path, code) => requests.inc({ code: String(code), method, resource: resourceOfPath(path) }),
    });
    this.resolver = new ResourceResolver(this.client);
    this.#identity = opts.leaderElection?.identity ?? `${hostname()}_${randomUUID()}`;
    this.#serving.promise.catch(() => undefined); // start() rejects too: whoever awaits it sees the error
    this.events = new EventRecorder({ client: this.client, instance: this.#identity, log: this.log });
  }

  /** The shared informer of a resource, created on first use (register before `start`). */
  informer<T extends KubeObject = KubeObject>(resource: ResourceRef): Informer<T> {
    const id = resourceId(resource);
    let inf = this.#informers.get(id);
    if (!inf) {
      inf = new Informer({
        client: this.client,
        resource,
        ...(resource.labelSelector ? { labelSelector: resource.labelSelector } : {}),
        ...(this.#o.namespaces ? { namespaces: this.#o.namespaces } : {}),
        ...(this.#o.watchdogMs !== undefined ? { watchdogMs: this.#o.watchdogMs } : {}),
        log: this.log,
        transform: resource.metadataOnly === true ? metadataOnly : trimObject,
      });
      this.#informers.set(id, inf);
      if (this.#started) inf.start();
    }
    return inf as unknown as Informer<T>;
  }

  /** What `allControllers(deps)` receives. */
  deps(): ControllerDeps {
    return {
      kubeConfig: this.#o.kubeConfig,
      client: this.client,
      resolver: this.resolver,
      cache: this,
      events: this.events,
      log: this.log,
      namespaces: this.#o.namespaces ?? [],
    };
  }

  addController(def: ControllerDefinition): void {
    if (this.#started) throw new Error('add controllers before start');
    if (this.#controllers.some((c) => c.def.name === def.name))
      throw new Error(`duplicate controller name ${def.name}`);
    for (const w of def.watches) this.informer(w.resource);
    for (const ref of def.caches ?? []) this.informer(ref);
    const runner = new ControllerRunner({
      definition: def,
      metrics: this.metrics,
      log: this.log,
      ...(this.#o.workers ? { defaultWorkers: this.#o.workers } : {}),
    });
    this.#controllers.push({ def, runner });
  }

  /** Every informer has listed once. */
  get synced(): boolean {
    return [...this.#informers.values()].every((i) => i.synced);
  }

  /** Bound `host:port` of the metrics and probe servers (after start). */
  get metricsAddress(): string | undefined {
    return this.#metricsServer?.address;
  }

  get probeAddress(): string | undefined {
    return this.#probeServer?.address;
  }

  /**
   * Resolves once `start` has bound the metrics and probe servers, so that their addresses are
   * known (with port 0); rejects if it could not bind them.
   */
  serving(): Promise<void> {
    return this.#serving.promise;
  }

  async start(signal: AbortSignal): Promise<void> {
    if (this.#started) throw new Error('manager already started');
    this.#started = true;
    try {
      await this.#startServers();
    } catch (err) {
      this.#serving.reject(err);
      throw err;
    }
    this.#serving.resolve(undefined);
    for (const inf of this.#informers.values()) inf.start();
    const election = this.#o.leaderElection;
    let lost = false;
    try {
      if (!election) {
        const leader = new AbortController();
        await this.#runControllers(leader.signal, signal);
        await new Promise<void>((resolve) => {
          if (signal.aborted) resolve();
          else signal.addEventListener('abort', () => resolve(), { once: true });
        });
        await this.#stopControllers();
        return;
      }
      const leaseName = election.id;
      this.metrics.leaderStatus.set({ name: leaseName }, 0);
      const elector = new LeaderElector({
        client: this.client,
        namespace: election.namespace,
        name: leaseName,
        identity: this.#identity,
        log: this.log,
        onStatus: (leading) => this.metrics.leaderStatus.set({ name: leaseName }, leading ? 1 : 0),
        ...(election.leaseDurationMs !== undefined ? { leaseDurationMs: election.leaseDurationMs } : {}),
        ...(election.renewDeadlineMs !== undefined ? { renewDeadlineMs: election.renewDeadlineMs } : {}),
        ...(election.retryPeriodMs !== undefined ? { retryPeriodMs: election.retryPeriodMs } : {}),
      });
      let running: Promise<void> = Promise.resolve();
      const outcome = await elector.run(signal, (leaderSignal) => {
        running = this.#runControllers(leaderSignal, signal);
      });
      await running;
      await this.#stopControllers();
      if (outcome === 'lost') lost = true;
      else await elector.release(); // only after in-flight reconciles are done
    } finally {
      await Promise.all([...this.#informers.values()].map((i) => i.stop()));
      await Promise.all(this.#servers.map((s) => s.close()));
      this.log.info('manager stopped');
    }
    if (lost) throw new Error('leader election lost');
  }

  async #startServers(): Promise<void> {
    const metricsBind = parseBindAddress(this.#o.metricsBindAddress ?? ':8080');
    if (metricsBind) {
      this.#metricsServer = await startHttpServer(metricsBind, {
        '/metrics': async () => ({
          status: 200,
          body: await this.metrics.registry.metrics(),
          contentType: this.metrics.registry.contentType,
        }),
      });
      this.#servers.push(this.#metricsServer);
      this.log.info('serving metrics', { address: this.#metricsServer.address });
    }
    const probeBind = parseBindAddress(this.#o.healthProbeBindAddress ?? ':8081');
    if (probeBind) {
      this.#probeServer = await startHttpServer(probeBind, {
        '/healthz': () => Promise.resolve({ status: 200, body: 'ok' }),
        '/readyz': () =>
          Promise.resolve(this.synced ? { status: 200, body: 'ok' } : { status: 503, body: 'informers not synced' }),
      });
      this.#servers.push(this.#probeServer);
      this.log.info('serving health probes', { address: this.#probeServer.address });
    }
  }

  /** Waits for the caches, connects watches to queues and starts the workers (unless stopped meanwhile). */
  async #runControllers(leaderSignal: AbortSignal, stopSignal: AbortSignal): Promise<void> {
    const either = AbortSignal.any([leaderSignal, stopSignal]);
    await Promise.all([...this.#informers.values()].map((i) => i.waitForSync(either)));
    if (either.aborted) return;
    for (const { def, runner } of this.#controllers) {
      for (const w of def.watches) {
        const enqueue = (obj: KubeObject, event: WatchEventType): void => {
          if (leaderSignal.aborted) return;
          for (const req of w.map ? w.map(obj, event) : [requestFor(obj)]) runner.enqueue(requestKey(req));
        };
        // Replays the cache as adds: a new leader reconciles everything once.
        this.informer(w.resource).addEventHandler({
          onAdd: (obj) => enqueue(obj, 'add'),
          onUpdate: (oldObj, newObj) => {
            if (!w.updatePredicate || w.updatePredicate(oldObj, newObj)) enqueue(newObj, 'update');
          },
          onDelete: (obj) => enqueue(obj, 'delete'),
        });
      }
      runner.start(leaderSignal);
    }
  }

  async #stopControllers(): Promise<void> {
    const timeoutMs = this.#o.gracefulShutdownTimeoutMs ?? 30_000;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    const result = await Promise.race([Promise.all(this.#controllers.map((c) => c.runner.stop())), timedOut]);
    clearTimeout(timer);
    if (result === 'timeout') this.log.warn('in-flight reconciles did not finish in time', { timeoutMs });
  }
}
