// The requests on a MaintenancePlan, decided by the operator's own rules (operator-rules.ts): a
// request the operator would refuse or ignore in the plan's present state is refused here, with the
// operator's reason, before anything is sent. Pure.
import type { Decision, RequestOptions, RequestTarget } from './decision.ts';
import {
  abortNotice,
  isSafePoint,
  isTerminalPhase,
  originalRetained,
  planState,
  rollbackNotice,
} from '../operator-rules.ts';
import type { WirePlan } from '../wire.ts';

const refuse = (reason: string, message: string): Decision => ({ kind: 'refused', reason, message });
const unchanged = (message: string): Decision => ({ kind: 'unchanged', message });

/** approve: spec.approvedHash set to exactly the preview hash the user was shown. */
export function decideApprove(plan: WirePlan, opts: RequestOptions): Decision {
  const phase = plan.status?.phase ?? 'Pending';
  const hash = plan.status?.preview?.hash;
  if ((plan.spec?.approval ?? 'Automatic') !== 'Manual')
    return refuse('ApprovalNotRequired', 'spec.approval is Automatic: the plan needs no approval');
  if (isTerminalPhase(phase)) return refuse('Terminal', `the plan is ${phase}: there is nothing left to approve`);
  if (phase === 'Pending' || phase === 'Planning' || hash === undefined || hash === '')
    return refuse('NoPreview', `the plan is ${phase} and has no preview yet: wait for status.preview`);
  if (opts.hash !== undefined && opts.hash !== hash)
    return refuse(
      'PreviewChanged',
      `the preview changed since it was shown (hash ${opts.hash}, now ${hash}): look at it again and approve the new one`,
    );
  if (phase !== 'AwaitingApproval') return refuse('AlreadyApproved', `the plan is ${phase}: it is past its approval`);
  if (plan.spec?.approvedHash?.trim() === hash)
    return unchanged(`spec.approvedHash is already ${hash}: the operator moves the plan on`);
  return { kind: 'patch', spec: { approvedHash: hash }, message: `approved the preview ${hash}` };
}

/** abort: spec.abort, honoured before the cut-over only. */
export function decideAbort(plan: WirePlan): Decision {
  const state = planState(plan);
  if (plan.spec?.abort === true && !isTerminalPhase(state.phase))
    return unchanged('spec.abort is already set: the plan is being aborted');
  const notice = abortNotice(true, state);
  if (notice !== undefined) return refuse(notice.reason, notice.message);
  if (state.cleanup !== undefined)
    return refuse(
      'CleaningUp',
      `the plan is already cleaning up before ${state.cleanup.then} (${state.cleanup.reason}): ${state.cleanup.message}`,
    );
  return {
    kind: 'patch',
    spec: { abort: true },
    message: `abort requested in ${state.phase}: the clone is removed and the original keeps serving`,
  };
}

/** suspend: spec.suspend, which holds the plan at its next safe point (a step boundary before the cut-over). */
export function decideSuspend(plan: WirePlan): Decision {
  const state = planState(plan);
  if (isTerminalPhase(state.phase))
    return refuse('Terminal', `the plan is ${state.phase}: there is nothing left to suspend`);
  if (plan.spec?.suspend === true) return unchanged('spec.suspend is already set');
  if (state.cleanup !== undefined)
    return refuse('CleaningUp', `the plan is cleaning up before ${state.cleanup.then}: a cleanup runs to its end`);
  if (!isSafePoint(state))
    return refuse(
      'NoSafePoint',
      `the plan is ${state.phase}: the cut-over, the observation and a rollback run to their end, with no safe point to stop at`,
    );
  return {
    kind: 'patch',
    spec: { suspend: true },
    message: `suspend requested in ${state.phase}: the plan stops at the next step boundary`,
  };
}

/** resume: spec.suspend back to false. */
export function decideResume(plan: WirePlan): Decision {
  const phase = plan.status?.phase ?? 'Pending';
  if (plan.spec?.suspend !== true) return refuse('NotSuspended', 'spec.suspend is not set: the plan is not suspended');
  if (isTerminalPhase(phase)) return refuse('Terminal', `the plan is ${phase}: there is nothing left to resume`);
  return { kind: 'patch', spec: { suspend: false }, message: `resumed in ${phase}` };
}

/** rollback: spec.rollbackNow, once the clone serves and while the original is retained. */
export function decideRollback(plan: WirePlan, opts: RequestOptions, now: Date): Decision {
  const state = planState(plan);
  if (state.phase === 'RollingBack') return unchanged('the plan is already rolling back');
  if (state.phase === 'RolledBack') return refuse('RolledBack', 'the plan is RolledBack: the original serves again');
  if (plan.spec?.rollbackNow === true) return unchanged('spec.rollbackNow is already set');
  const facts = {
    cutOver: plan.status?.cutOver?.servicesSwitchedAt !== undefined,
    originalRetained: originalRetained(plan, now),
    rolledBack: plan.status?.rollback !== undefined,
  };
  const notice = rollbackNotice(true, state, facts);
  if (notice !== undefined && !(notice.reason === 'RollbackDeferred' && opts.deferred === true))
    return refuse(
      notice.reason,
      notice.reason === 'RollbackDeferred' ? `${notice.message} (--deferred asks for it anyway)` : notice.message,
    );
  return {
    kind: 'patch',
    spec: { rollbackNow: true },
    message:
      notice === undefined
        ? `rollback requested in ${state.phase}: the clone's writes are synced back and the original serves again`
        : `rollback requested in ${state.phase}: ${notice.message}`,
  };
}

export const planTarget: RequestTarget<WirePlan> = {
  kind: 'MaintenancePlan',
  names: ['plan', 'mplan', 'mp', 'maintenanceplan', 'maintenanceplans'],
  actions: ['approve', 'abort', 'suspend', 'resume', 'rollback'],
  path: (namespace, name) =>
    `/apis/vapp.dev/v1alpha1/namespaces/${encodeURIComponent(namespace)}/maintenanceplans/${encodeURIComponent(name)}`,
  decide(action, plan, opts, now) {
    switch (action) {
      case 'approve':
        return decideApprove(plan, opts);
      case 'abort':
        return decideAbort(plan);
      case 'suspend':
        return decideSuspend(plan);
      case 'resume':
        return decideResume(plan);
      case 'rollback':
        return decideRollback(plan, opts, now);
      case 'acknowledge':
        return refuse(
          'NotApplicable',
          'a MaintenancePlan has no failures to acknowledge: acknowledge is for rollouts (rollout/NAME)',
        );
    }
  },
};
