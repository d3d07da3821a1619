// The samples in config/samples are valid for the operator (zod) and consistent with each other:
// the appliance names VMs, volumes and Services that exist, and the plan updates exactly two of the
// three components it lists.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { compare } from 'semver';
import { parseAllDocuments, parse } from 'yaml';
import {
  ANNOTATION_LEVELS,
  LABEL_APPLIANCE,
  LABEL_MEMBER,
  parseMaintenancePlan,
  parseVirtualAppliance,
} from '../../../src/api/v1alpha1/index.ts';

const SAMPLES = path.join(import.meta.dirname, '../../../config/samples');

interface Obj {
  apiVersion: string;
  kind: string;
  metadata: { name: string; annotations?: Record<string, string> };
  spec: Record<string, unknown>;
}

function loadSamples(): Obj[] {
  const kustomization = parse(readFileSync(path.join(SAMPLES, 'kustomization.yaml'), 'utf8')) as {
    resources: string[];
  };
  return kustomization.resources.flatMap((file) =>
    parseAllDocuments(readFileSync(path.join(SAMPLES, file), 'utf8')).map((d) => d.toJS() as Obj),
  );
}

const samples = loadSamples();
const ofKind = (kind: string) => samples.filter((o) => o.kind === kind);

interface VmSpec {
  template: {
    metadata: { labels: Record<string, string> };
    spec: {
      volumes: {
        name: string;
        containerDisk?: { image: string };
        persistentVolumeClaim?: { claimName: string };
        dataVolume?: { name: string };
      }[];
    };
  };
}

describe('config/samples', () => {
  it('contains one appliance, one plan, three VMs, their Services and the db PVC', () => {
    assert.deepEqual(samples.map((o) => `${o.kind}/${o.metadata.name}`).sort(), [
      'MaintenancePlan/shop-2026-11',
      'PersistentVolumeClaim/shop-db-pgdata',
      'Service/shop-app',
      'Service/shop-db',
      'Service/shop-web',
      'VirtualAppliance/shop',
      'VirtualMachine/shop-app',
      'VirtualMachine/shop-db',
      'VirtualMachine/shop-web',
    ]);
  });

  it('parses the VirtualAppliance and the MaintenancePlan with the zod schemas', () => {
    const vapp = parseVirtualAppliance(ofKind('VirtualAppliance')[0]);
    assert.deepEqual(
      vapp.spec.members.map((m) => m.name),
      ['db', 'app', 'web'],
    );
    const plan = parseMaintenancePlan(ofKind('MaintenancePlan')[0]);
    assert.equal(plan.spec.appliance, vapp.metadata.name);
    assert.equal(plan.spec.window?.timeZone, 'Europe/Rome');
  });

  it("names VMs, volumes and Services that the samples define, as the appliance's VMs are labelled", () => {
    const vapp = parseVirtualAppliance(ofKind('VirtualAppliance')[0]);
    const vms = new Map(ofKind('VirtualMachine').map((vm) => [vm.metadata.name, vm.spec as unknown as VmSpec]));
    for (const member of vapp.spec.members) {
      const vm = vms.get(member.vm);
      assert.ok(vm, `member ${member.name}: VirtualMachine ${member.vm} is in the samples`);
      assert.equal(vm.template.metadata.labels[LABEL_APPLIANCE], 'shop');
      assert.equal(vm.template.metadata.labels[LABEL_MEMBER], member.name);
      const volumes = new Map(vm.template.spec.volumes.map((v) => [v.name, v]));
      for (const name of member.dataVolumes) {
        const volume = volumes.get(name);
        assert.ok(
          volume?.persistentVolumeClaim ?? volume?.dataVolume,
          `member ${member.name}: data volume ${name} is a PVC or DataVolume`,
        );
      }
      for (const c of member.components) {
        if (c.level.image)
          assert.ok(volumes.get(c.level.image.volume)?.containerDisk, `${c.name}: level volume is a containerDisk`);
        if (c.update.image) {
          const image = volumes.get(c.update.image.volume)?.containerDisk?.image ?? '';
          assert.equal(
            image.slice(0, image.lastIndexOf(':')),
            c.update.image.repository,
            `${c.name}: update repository is the volume's image repository`,
          );
        }
      }
    }
    const services = new Set(ofKind('Service').map((s) => s.metadata.name));
    for (const s of vapp.spec.services) assert.ok(services.has(s), `Service ${s} is in the samples`);
    const claims = ofKind('PersistentVolumeClaim').map((p) => p.metadata.name);
    assert.deepEqual(claims, ['shop-db-pgdata']);
  });

  it('has a plan that updates postgres and shop and finds nginx already at its target', () => {
    const vapp = parseVirtualAppliance(ofKind('VirtualAppliance')[0]);
    const plan = parseMaintenancePlan(ofKind('MaintenancePlan')[0]);
    const vms = new Map(ofKind('VirtualMachine').map((vm) => [vm.metadata.name, vm]));
    // Current levels as the level sources describe them.
    const current = new Map<string, string>();
    for (const member of vapp.spec.members) {
      const vm = vms.get(member.vm)!;
      const annotated = JSON.parse(vm.metadata.annotations?.[ANNOTATION_LEVELS] ?? '{}') as Record<string, string>;
      for (const c of member.components) {
        let level: string | undefined;
        if (c.level.annotation) level = annotated[c.name];
        if (c.level.image) {
          const image =
            (vm.spec as unknown as VmSpec).template.spec.volumes.find((v) => v.name === c.level.image?.volume)
              ?.containerDisk?.image ?? '';
          level = image.slice(image.lastIndexOf(':') + 1);
        }
        assert.ok(level, `${member.name}/${c.name} has a readable level`);
        current.set(`${member.name}/${c.name}`, level);
      }
    }
    const behind: string[] = [];
    const atTarget: string[] = [];
    for (const target of plan.spec.components) {
      const key = [...current.keys()].find((k) => k === target.name || k.endsWith(`/${target.name}`));
      assert.ok(key, `target ${target.name} names a component of the appliance`);
      (compare(current.get(key)!, target.level) < 0 ? behind : atTarget).push(key);
    }
    assert.deepEqual(behind, ['db/postgres', 'app/shop']);
    assert.deepEqual(atTarget, ['web/nginx']);
  });
});
