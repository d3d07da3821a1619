// The clone's isolation before the cut-over: a NetworkPolicy that keeps the new slot away from
// production, and a `<service>-preview` Service per Service that selects the new slot for checks.
// Both go at the cut-over (a retained failed clone gets them back).
import type { V1NetworkPolicy, V1Service } from '@kubernetes/client-node';
import { LABEL_APPLIANCE, LABEL_SLOT } from '../../../api/v1alpha1/index.ts';
import type { ClusterIO } from '../cluster-io.ts';
import type { StepFacts } from '../facts.ts';
import { NETWORK_POLICIES, SERVICES } from '../resources.ts';

export async function ensureIsolation(facts: StepFacts, io: ClusterIO): Promise<void> {
  const appliance = facts.appliance.metadata.name ?? '';
  const slotPods = { matchLabels: { [LABEL_APPLIANCE]: appliance, [LABEL_SLOT]: facts.toSlot } };
  if (io.get(NETWORK_POLICIES, facts.names.networkPolicy) === undefined) {
    await io.create(NETWORK_POLICIES, {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: {
        name: facts.names.networkPolicy,
        namespace: facts.namespace,
        labels: { ...facts.labels },
        ownerReferences: [facts.owner],
      },
      spec: {
        podSelector: slotPods,
        policyTypes: ['Ingress', 'Egress'],
        // Only its own slot may reach it; it may reach only its own slot and DNS: a clone can
        // never write into the production copy.
        ingress: [{ from: [{ podSelector: slotPods }] }],
        egress: [
          { to: [{ podSelector: slotPods }] },
          {
            to: [{ namespaceSelector: {}, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
            ports: [
              { protocol: 'UDP', port: 53 },
              { protocol: 'TCP', port: 53 },
            ],
          },
        ],
      },
      // client-node's model names the peer list `_from`; on the wire (and here: raw JSON) it is `from`.
    } as unknown as V1NetworkPolicy);
  }
  for (const serviceName of facts.appliance.spec.services) {
    const service = io.get(SERVICES, serviceName);
    const previewName = facts.names.previewService(serviceName);
    if (service === undefined || io.get(SERVICES, previewName) !== undefined) continue;
    await io.create(SERVICES, {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: {
        name: previewName,
        namespace: facts.namespace,
        labels: { ...facts.labels },
        ownerReferences: [facts.owner],
      },
      spec: {
        selector: { ...(service.spec?.selector ?? {}), [LABEL_SLOT]: facts.toSlot },
        ports: (service.spec?.ports ?? []).map((p) => ({
          ...(p.name ? { name: p.name } : {}),
          port: p.port,
          ...(p.targetPort === undefined ? {} : { targetPort: p.targetPort }),
          ...(p.protocol ? { protocol: p.protocol } : {}),
        })),
      },
    } satisfies V1Service);
  }
}

/** Removes the isolation and the preview Services: the clone serves now. */
export async function removeIsolation(facts: StepFacts, io: ClusterIO): Promise<void> {
  if (io.get(NETWORK_POLICIES, facts.names.networkPolicy) !== undefined) {
    await io.remove(NETWORK_POLICIES, facts.names.networkPolicy);
  }
}

/** Removes the preview Services (after the Services themselves select the clone). */
export async function removePreviews(facts: StepFacts, io: ClusterIO): Promise<void> {
  for (const service of facts.appliance.spec.services) {
    const preview = facts.names.previewService(service);
    if (io.get(SERVICES, preview) !== undefined) await io.remove(SERVICES, preview);
  }
}
