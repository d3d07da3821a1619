// --approval Automatic|Manual: spec.approval.
import { Option } from 'commander';
import { APPROVAL_MODES } from '../../api/v1alpha1/index.ts';
import type { PlanOption } from './option.ts';

export const approvalOption: PlanOption = {
  fields: { approval: '--approval' },
  options: () => [
    new Option('--approval <mode>', 'Manual: wait for `kubectl vapp approve` before anything runs').choices(
      APPROVAL_MODES,
    ),
  ],
  apply(flags, spec) {
    if (typeof flags.approval === 'string') spec.approval = flags.approval;
  },
};
