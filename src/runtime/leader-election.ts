import type { V1Lease, V1LeaseSpec } from '@kubernetes/client-node';
import { isAborted, realClock, sleep, type Clock } from './clock.ts';
import { errorMessage, isAlreadyExists, isConflict, isNotFound } from './errors.ts';
import { decideLease, microTime, observe, renewDeadlinePassed, type Observation } from './lease.ts';
import { silentLogger, type Logger } from './log.ts';
import type { RestClient } from './rest.ts';

/** A Lease as JSON (its times are MicroTime strings on the wire, not the typed client's Dates). */
type Lease = Omit<V1Lease, 'spec'> & { spec?: LeaseSpec };
type LeaseSpec = Omit<V1LeaseSpec, 'acquireTime' | 'renewTime'> & { acquireTime?: string; renewTime?: string };

/** Options for {@link LeaderElector}. Durations follow client-go's defaults (15 s / 10 s / 2 s). */
export interface LeaderElectionOptions {
  readonly client: RestClient;
  readonly namespace: string;
  /** Lease name (the `--leader-election-id`). */
  readonly name: string;
  /** This candidate's identity, unique per process (e.g. `hostname_uuid`). */
  readonly identity: string;
  /** How long others wait after the last observed renewal before taking over. */
  readonly leaseDurationMs?: number;
  /** The leader steps down when it could not renew for this long; must be < leaseDurationMs. */
  readonly renewDeadlineMs?: number;
  /** Interval between acquire/renew attempts. */
  readonly retryPeriodMs?: number;
  readonly clock?: Clock;
  readonly log?: Logger;
  /** Called with true on becoming leader and false on stepping down (for the metric). */
  readonly onStatus?: (leading: boolean) => void;
}

/** How {@link LeaderElector.run} ended. */
export type ElectionOutcome = 'stopped' | 'lost';

/**
 * Lease-based leader election on `coordination.k8s.io/v1`. `run` campaigns until it leads, calls
 * `onStartedLeading` with a signal that aborts when leadership is lost, renews until `signal` aborts
 * ('stopped') or renewal fails past the deadline or another holder appears ('lost').
 * After stopping work, call `release()` so another candidate takes over at once.
 */
export class LeaderElector {
  readonly #o: Required<Omit<LeaderElectionOptions, 'onStatus'>> & Pick<LeaderElectionOptions, 'onStatus'>;
  #observed: Observation | undefined;
  #leading = false;
  #lastLeader = '';

  constructor(opts: LeaderElectionOptions) {
    this.#o = {
      leaseDurationMs: 15_000,
      renewDeadlineMs: 10_000,
      retryPeriodMs: 2_000,
      clock: realClock,
      log: silentLogger(),
      ...opts,
    };
    if (this.#o.renewDeadlineMs >= this.#o.leaseDurationMs)
      throw new Error('renewDeadline must be shorter than leaseDuration');
  }

  get isLeader(): boolean {
    return this.#leading;
  }

  get identity(): string {
    return this.#o.identity;
  }

  async run(signal: AbortSignal, onStartedLeading: (leaderSignal: AbortSignal) => void): Promise<ElectionOutcome> {
    const { clock, retryPeriodMs, renewDeadlineMs, log } = this.#o;
    while (!signal.aborted && (await this.#attempt()) !== 'ok') await sleep(clock, retryPeriodMs, signal);
    if (isAborted(signal)) return 'stopped';
    this.#setLeading(true);
    log.info('became leader', { lease: `${this.#o.namespace}/${this.#o.name}`, identity: this.#o.identity });
    const leader = new AbortController();
    onStartedLeading(leader.signal);
    let lastRenew = clock.now();
    let outcome: ElectionOutcome = 'stopped';
    while (!signal.aborted) {
      await sleep(clock, retryPeriodMs, signal);
      if (isAborted(signal)) break;
      const result = await this.#attempt();
      if (result === 'ok') lastRenew = clock.now();
      else if (result === 'taken' || renewDeadlinePassed(lastRenew, renewDeadlineMs, clock.now())) {
        log.error('leader election lost', {
          reason: result === 'taken' ? 'lease taken by another holder' : 'renew deadline passed',
        });
        outcome = 'lost';
        break;
      }
    }
    // On a graceful stop the lease is still ours: in-flight work may finish, then release().
    if (outcome === 'lost') {
      this.#setLeading(false);
      leader.abort();
    }
    return outcome;
  }

  /** Gives the lease up (empty holder) if this candidate holds it. Never throws. */
  async release(): Promise<void> {
    try {
      const lease = await this.#withTimeout(this.#read());
      if (lease.spec?.holderIdentity !== this.#o.identity) return;
      const now = microTime(this.#o.clock.now());
      lease.spec = { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1, acquireTime: now, renewTime: now };
      await this.#withTimeout(this.#replace(lease));
      this.#o.log.info('released leader lease', { lease: `${this.#o.namespace}/${this.#o.name}` });
    } catch (err) {
      this.#o.log.warn('could not release leader lease', { error: errorMessage(err) });
    } finally {
      this.#setLeading(false);
    }
  }

  /** One acquire-or-renew step: 'ok' when this candidate holds the lease afterwards. */
  async #attempt(): Promise<'ok' | 'wait' | 'taken' | 'error'> {
    const { name, namespace, identity, clock, log } = this.#o;
    try {
      let lease: Lease;
      try {
        lease = await this.#withTimeout(this.#read());
      } catch (err) {
        if (!isNotFound(err)) throw err;
        const body: Lease = {
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: { name, namespace },
          spec: this.#spec(undefined, 0, true),
        };
        const created = await this.#withTimeout(this.#o.client.request<Lease>(this.#path(), { method: 'POST', body }));
        this.#observed = observe(undefined, created.spec ?? {}, created.metadata?.resourceVersion ?? '', clock.now());
        return 'ok';
      }
      const now = clock.now();
      this.#observed = observe(this.#observed, lease.spec ?? {}, lease.metadata?.resourceVersion ?? '', now);
      const decision = decideLease(this.#observed, identity, now);
      if (decision.action === 'wait') {
        if (decision.holder !== this.#lastLeader)
          log.info('lease held by another candidate', { holder: decision.holder });
        this.#lastLeader = decision.holder;
        return this.#leading ? 'taken' : 'wait';
      }
      lease.spec = this.#spec(
        lease.spec,
        decision.action === 'acquire' ? decision.transitions : (lease.spec?.leaseTransitions ?? 0),
        decision.action === 'acquire',
      );
      const updated = await this.#withTimeout(this.#replace(lease));
      this.#observed = observe(undefined, updated.spec ?? {}, updated.metadata?.resourceVersion ?? '', clock.now());
      this.#lastLeader = identity;
      return 'ok';
    } catch (err) {
      if (isConflict(err) || isAlreadyExists(err)) return 'wait'; // someone else wrote first
      log.warn('leader election request failed', { error: errorMessage(err) });
      return 'error';
    }
  }

  #spec(prev: LeaseSpec | undefined, transitions: number, acquire: boolean): LeaseSpec {
    const now = microTime(this.#o.clock.now());
    return {
      ...prev,
      holderIdentity: this.#o.identity,
      leaseDurationSeconds: Math.max(1, Math.ceil(this.#o.leaseDurationMs / 1000)),
      renewTime: now,
      leaseTransitions: transitions,
      // The holder keeps the time it acquired the lease (read back as the server wrote it).
      acquireTime: acquire || !prev?.acquireTime ? now : prev.acquireTime,
    };
  }

  #path(name?: string): string {
    const base = `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(this.#o.namespace)}/leases`;
    return name === undefined ? base : `${base}/${encodeURIComponent(name)}`;
  }

  #read(): Promise<Lease> {
    return this.#o.client.request<Lease>(this.#path(this.#o.name));
  }

  /** PUT with the read resourceVersion: a conflict means another candidate wrote first. */
  #replace(lease: Lease): Promise<Lease> {
    return this.#o.client.request<Lease>(this.#path(this.#o.name), { method: 'PUT', body: lease });
  }

  #setLeading(leading: boolean): void {
    if (this.#leading === leading) return;
    this.#leading = leading;
    this.#o.onStatus?.(leading);
  }

  /** API calls must not hang past the renew deadline; a timed-out call counts as a failure. */
  #withTimeout<T>(p: Promise<T>): Promise<T> {
    const ms = Math.max(1000, this.#o.renewDeadlineMs / 2);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`lease request timed out after ${ms} ms`)), ms);
    });
    return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
  }
}
