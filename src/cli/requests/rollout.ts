// The requests on a MaintenanceRollout, which are desired state in its spec (maintenancerollout.ts):
// suspend and resume (spec.suspend), abort (spec.abort, which cannot be undone), acknowledge
// (spec.acknowledgedFailures raised to status.failures.count, which resumes a rollout the failure
// policy paused) and approve (a Manual wave added to spec.approvedWaves). A request the rollout's
// state makes pointless or impossible is refused here with the reason, before anything is sent. Pure.
import type { Decision, RequestOptions, RequestTarget } from './decision.ts';
import type { WireRollout } from '../wire.ts';

const refuse = (reason: string, message: string): Decision => ({ kind: 'refused', reason, message });
const unchanged = (message: string): Decision => ({ kind: 'unchanged', message });

const phaseOf = (r: WireRollout) => r.status?.phase ?? 'Pending';

/** A rollout following a BaseImage's latest starts again at each new latest: Completed is not its end. */
export function followsLatest(r: WireRollout): boolean {
  return r.spec?.target?.baseImage !== undefined && r.spec.target.baseImage.version === undefined;
}

/** Why no request moves the rollout any more, when none does: aborted, or done with a pinned target. */
function finished(r: WireRollout, what: string): Decision | undefined {
  const phase = phaseOf(r);
  if (phase === 'Aborted' || (r.spec?.abort === true && phase !== 'Completed'))
    return refuse('Aborted', `the rollout is aborted (spec.abort cannot be undone): there is nothing left to ${what}`);
  if (phase === 'Completed' && !followsLatest(r))
    return refuse(
      'Completed',
      `the rollout is Completed: every selected appliance is at the target, there is nothing left to ${what}`,
    );
  return undefined;
}

/** abort: spec.abort. No new plan; plans that have not cut over are aborted; finished ones stay. */
export function decideRolloutAbort(r: WireRollout): Decision {
  if (r.spec?.abort === true) return unchanged('spec.abort is already set: the rollout is being aborted');
  const done = finished(r, 'abort');
  if (done !== undefined) return done;
  const phase = phaseOf(r);
  return {
    kind: 'patch',
    spec: { abort: true },
    message:
      phase === 'Completed'
        ? 'abort requested in Completed: the rollout follows no further latest'
        : `abort requested in ${phase}: no new plan is made and the plans that have not cut over are aborted; finished plans stay as they are`,
  };
}

/** suspend: spec.suspend. No new plan and no cut-over slot; plans already cutting over finish. */
export function decideRolloutSuspend(r: WireRollout): Decision {
  const done = finished(r, 'suspend');
  if (done !== undefined) return done;
  if (r.spec?.suspend === true) return unchanged('spec.suspend is already set');
  return {
    kind: 'patch',
    spec: { suspend: true },
    message: `suspend requested in ${phaseOf(r)}: no new plan and no cut-over slot; plans already cutting over finish`,
  };
}

/** resume: spec.suspend back to false. A rollout the failure policy paused needs acknowledge instead. */
export function decideRolloutResume(r: WireRollout): Decision {
  // The failure policy pauses whatever spec.suspend says (the phase shows Suspended when both hold).
  const paused = r.status?.failures?.exceeded === true && (r.spec?.failurePolicy?.action ?? 'Pause') === 'Pause';
  if (r.spec?.suspend !== true)
    return refuse(
      paused ? 'PausedByFailures' : 'NotSuspended',
      paused
        ? `spec.suspend is not set: the rollout is paused by its failure policy (${String(r.status.failures.count ?? 0)} failures): look at them, then acknowledge them (kubectl vapp acknowledge rollout/${r.metadata?.name ?? 'NAME'})`
        : 'spec.suspend is not set: the rollout is not suspended',
    );
  const done = finished(r, 'resume');
  if (done !== undefined) return done;
  return {
    kind: 'patch',
    spec: { suspend: false },
    message: `resumed in ${phaseOf(r)}${paused ? ' (still paused by its failure policy until the failures are acknowledged)' : ''}`,
  };
}

/** acknowledge: spec.acknowledgedFailures raised to status.failures.count (it may only grow). */
export function decideAcknowledge(r: WireRollout): Decision {
  if (phaseOf(r) === 'Aborted')
    return refuse('Aborted', 'the rollout is aborted: acknowledging its failures would not resume it');
  const count = r.status?.failures?.count ?? 0;
  const acked = r.spec?.acknowledgedFailures ?? 0;
  if (count === 0) return refuse('NoFailures', 'status.failures.count is 0: there is no failure to acknowledge');
  if (acked >= count)
    return unchanged(`spec.acknowledgedFailures is already ${String(acked)}: every failure counted is acknowledged`);
  return {
    kind: 'patch',
    spec: { acknowledgedFailures: count },
    message: `acknowledged ${String(count - acked)} failure${count - acked === 1 ? '' : 's'} (spec.acknowledgedFailures ${String(acked)} → ${String(count)})${r.status?.failures?.exceeded === true ? ': the rollout goes on' : ''}`,
  };
}

/**
 * The wave waiting for a person, as the operator reports it: a wave in state AwaitingApproval, else
 * (a status without waves) the current wave of a rollout in phase AwaitingApproval; never one that
 * spec.approvedWaves names already.
 */
export function waveAwaitingApproval(r: WireRollout): string | undefined {
  const approved = new Set(r.spec?.approvedWaves ?? []);
  const waiting = (r.status?.waves ?? []).find((w) => w.state === 'AwaitingApproval' && !approved.has(w.name ?? ''));
  if (waiting?.name !== undefined) return waiting.name;
  const current = r.status?.currentWave;
  return r.status?.phase === 'AwaitingApproval' && current !== undefined && !approved.has(current)
    ? current
    : undefined;
}

/** approve: the wave waiting for approval added to spec.approvedWaves (the one the user was shown). */
export function decideApproveWave(r: WireRollout, opts: RequestOptions): Decision {
  const done = finished(r, 'approve');
  if (done !== undefined) return done;
  const wave = waveAwaitingApproval(r);
  if (opts.wave !== undefined && (r.spec?.approvedWaves ?? []).includes(opts.wave))
    return unchanged(`wave ${opts.wave} is already in spec.approvedWaves`);
  if (wave === undefined) return refuse('NoWaveAwaitingApproval', 'no wave of the rollout is waiting for approval');
  if (opts.wave !== undefined && opts.wave !== wave)
    return refuse('WaveChanged', `the wave waiting for approval is ${wave}, not ${opts.wave}: look again`);
  return {
    kind: 'patch',
    spec: { approvedWaves: [...(r.spec?.approvedWaves ?? []), wave] },
    message: `approved wave ${wave}`,
  };
}

export const rolloutTarget: RequestTarget<WireRollout> = {
  kind: 'MaintenanceRollout',
  names: ['rollout', 'rollouts', 'mroll', 'maintenancerollout', 'maintenancerollouts'],
  actions: ['approve', 'abort', 'suspend', 'resume', 'acknowledge'],
  path: (namespace, name) =>
    `/apis/vapp.dev/v1alpha1/namespaces/${encodeURIComponent(namespace)}/maintenancerollouts/${encodeURIComponent(name)}`,
  decide(action, r, opts) {
    switch (action) {
      case 'approve':
        return decideApproveWave(r, opts);
      case 'abort':
        return decideRolloutAbort(r);
      case 'suspend':
        return decideRolloutSuspend(r);
      case 'resume':
        return decideRolloutResume(r);
      case 'acknowledge':
        return decideAcknowledge(r);
      case 'rollback':
        return refuse(
          'NotApplicable',
          'a rollout has no rollback of its own: roll back each plan (kubectl vapp rollback PLAN) while its original is retained',
        );
    }
  },
};
