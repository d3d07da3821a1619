// Registers sandbox-node as a kubelet does at start: create the Node if missing, then post its
// status. Nothing in the sandbox marks a silent node NotReady (no node lifecycle controller runs),
// so there is no heartbeat loop.
import { isAlreadyExists } from '../../runtime/errors.ts';
import type { RestClient } from '../../runtime/rest.ts';
import { metav1Time } from '../../runtime/time.ts';
import { FIELD_MANAGER, SANDBOX_NODE } from './constants.ts';
import { sandboxNode, sandboxNodeStatus } from './node.ts';

export async function registerNode(client: RestClient, now = new Date()): Promise<void> {
  try {
    await client.request('/api/v1/nodes', {
      method: 'POST',
      body: sandboxNode(),
      query: { fieldManager: FIELD_MANAGER },
    });
  } catch (err) {
    if (!isAlreadyExists(err)) throw err;
  }
  await client.request(`/api/v1/nodes/${SANDBOX_NODE}/status`, {
    method: 'PATCH',
    contentType: 'application/merge-patch+json',
    query: { fieldManager: FIELD_MANAGER },
    body: { status: sandboxNodeStatus(metav1Time(now)) },
  });
}
