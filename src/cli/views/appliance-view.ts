// The terminal tree of a VirtualAppliance (`kubectl vapp get appliance`): members, the VMs of each
// slot with their role, readiness and component levels, the Services and the slot they select, the
// active plan. Pure: facts in, lines out.
import { bar, drawTree, fraction, type Palette, type TreeNode, truncate } from '../render.ts';
import type { ApplianceFacts, VmFacts } from './appliance-facts.ts';
import { phaseLabel } from './plan-view.ts';

export interface TreeOptions {
  readonly palette: Palette;
  readonly width?: number;
}

const ROLE_TEXT: Readonly<Record<VmFacts['role'], string>> = {
  serving: 'serving',
  clone: 'clone',
  retained: 'retained original',
  other: 'standby',
};

function vmLine(vm: VmFacts, p: Palette): string {
  const mark = vm.ready ? p.green('●') : vm.status === 'Stopped' ? p.dim('○') : p.yellow('◌');
  const role =
    vm.role === 'serving'
      ? p.green(ROLE_TEXT[vm.role])
      : vm.role === 'clone'
        ? p.cyan(ROLE_TEXT[vm.role])
        : p.dim(ROLE_TEXT[vm.role]);
  const levels = vm.components
    .map((c) => (c.level !== undefined ? `${c.name} ${c.level}` : p.dim(`${c.name} ?`)))
    .join(', ');
  return [
    `${mark} ${vm.name}`,
    `slot ${vm.slot ?? '-'}`,
    role + (vm.role === 'clone' && vm.plan ? p.dim(` (plan ${vm.plan})`) : ''),
    vm.status + (vm.ready ? ', ready' : ''),
    levels,
  ]
    .filter((x) => x !== '')
    .join('  ');
}

export function applianceTree(f: ApplianceFacts, o: TreeOptions): string[] {
  const p = o.palette;
  const ready = f.ready?.status === 'True' ? p.green('✔ Ready') : p.yellow(`◌ ${f.ready?.reason ?? 'not ready'}`);
  const root: TreeNode = {
    line: `${p.bold(`VirtualAppliance ${f.name}`)}  ${p.dim(`namespace ${f.namespace}`)}  ${ready}  ${f.readyMembers ?? '?'} members ready  serving slot ${p.bold(f.activeSlot ?? '-')}`,
    children: [
      ...f.members.map((m): TreeNode => ({
        line: `${p.bold(`member ${m.name}`)}  ${p.dim(`start order ${String(m.startOrder)}${m.dataVolumes.length > 0 ? ` · data volumes ${m.dataVolumes.join(', ')}` : ''}`)}`,
        children:
          m.vms.length > 0
            ? m.vms.map((vm) => ({ line: vmLine(vm, p) }))
            : [{ line: p.red('no VirtualMachine found') }],
      })),
      {
        line: p.bold('Services'),
        children: f.services.map((s) => ({
          line: s.found
            ? `${s.name} → slot ${s.slot === f.activeSlot ? p.green(s.slot ?? '-') : p.cyan(s.slot ?? '-')}${s.preview ? p.dim(' (preview of the clone)') : ''}`
            : p.red(`${s.name}: not found`),
        })),
      },
      ...(f.activePlan !== undefined
        ? [
            {
              line: `${p.bold('active plan')} ${f.activePlan.name}  ${phaseLabel(f.activePlan.phase, false, p)}${planBar(f.activePlan.progress)}`,
            },
          ]
        : [{ line: `${p.bold('active plan')} ${p.dim('none')}` }]),
    ],
  };
  const lines = drawTree(root);
  if (f.ready?.status !== 'True' && f.ready?.message) lines.push(p.dim(f.ready.message));
  return o.width === undefined ? lines : lines.map((l) => truncate(l, o.width ?? 0));
}

function planBar(progress: string | undefined): string {
  const f = fraction(progress);
  return f === undefined ? '' : `  ${bar(f.done, f.total, 10)} ${progress ?? ''}`;
}
