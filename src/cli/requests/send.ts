// Carries a request out: reads the object, decides (decision.ts), and sends the spec change as a
// merge patch that carries the resourceVersion it was decided on. When the object changed in
// between (409 Conflict) it is read and decided again, so a request is never sent on the strength
// of a state that is gone: an approval whose preview changed meanwhile is refused, not sent.
import { isConflict } from '../../runtime/errors.ts';
import type { RestClient } from '../../runtime/rest.ts';
import type { Action, Decision, RequestOptions, RequestTarget, Versioned } from './decision.ts';

/** What became of a request. */
export interface RequestResult<T> {
  readonly decision: Decision;
  /** The object as decided on (and as patched, when a patch was sent). */
  readonly object: T;
}

const ATTEMPTS = 5;

export async function sendRequest<T extends Versioned>(
  client: RestClient,
  target: RequestTarget<T>,
  ref: { readonly namespace: string; readonly name: string },
  action: Action,
  opts: RequestOptions = {},
  now: () => Date = () => new Date(),
): Promise<RequestResult<T>> {
  const path = target.path(ref.namespace, ref.name);
  for (let attempt = 1; ; attempt++) {
    const obj = await client.request<T>(path);
    const decision = target.decide(action, obj, opts, now());
    if (decision.kind !== 'patch') return { decision, object: obj };
    try {
      const patched = await client.request<T>(path, {
        method: 'PATCH',
        contentType: 'application/merge-patch+json',
        body: { metadata: { resourceVersion: obj.metadata?.resourceVersion }, spec: decision.spec },
      });
      return { decision, object: patched };
    } catch (err) {
      if (!isConflict(err) || attempt >= ATTEMPTS) throw err;
    }
  }
}
