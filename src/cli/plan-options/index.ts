// The parts of `kubectl vapp plan`, in the order their flags are listed.
import { approvalOption } from './approval.ts';
import { componentsOption } from './components.ts';
import type { PlanOption } from './option.ts';
import { rollbackOption } from './rollback.ts';
import { windowOption } from './window.ts';

export const PLAN_OPTIONS: readonly PlanOption[] = [componentsOption, windowOption, approvalOption, rollbackOption];
export type { PlanOption, SpecDraft } from './option.ts';
