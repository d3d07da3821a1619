// What a request (approve, abort, suspend, resume, rollback, acknowledge) comes to on one object: a
// spec change to send, nothing to do, or a refusal that says why. Pure; the kinds decide in their
// own modules (plan.ts, rollout.ts), and send.ts carries the decision out.

/** The requests a user can make from the plugin or the dashboard. */
export const ACTIONS = ['approve', 'abort', 'suspend', 'resume', 'rollback', 'acknowledge'] as const;
export type Action = (typeof ACTIONS)[number];

export type Decision =
  /** Send this merge patch of spec (with the object's resourceVersion); `message` says what it does. */
  | { readonly kind: 'patch'; readonly spec: Readonly<Record<string, unknown>>; readonly message: string }
  /** The object already is as asked: nothing is sent. */
  | { readonly kind: 'unchanged'; readonly message: string }
  /** The operator would not honour it now: nothing is sent. `reason` is CamelCase. */
  | { readonly kind: 'refused'; readonly reason: string; readonly message: string };

/** Options a request may carry. */
export interface RequestOptions {
  /** approve: the preview hash the user was shown (and approves). */
  readonly hash?: string;
  /** rollback: also when the plan can only roll back later, once the clone serves. */
  readonly deferred?: boolean;
  /** approve on a rollout: the wave the user was shown waiting for approval (and approves). */
  readonly wave?: string;
}

/** Any object with metadata, as a request reads it. */
export interface Versioned {
  readonly metadata?: { readonly name?: string; readonly resourceVersion?: string };
}

/** A kind of object the requests apply to: how each request is decided on one of its objects. */
export interface RequestTarget<T> {
  /** Kind, for messages. */
  readonly kind: string;
  /** Words that name the kind in `KIND/NAME` (the first is the canonical one). */
  readonly names: readonly string[];
  /** The requests that apply to the kind at all (the others are refused whatever the state). */
  readonly actions: readonly Action[];
  /** The collection's API path in a namespace. */
  path(namespace: string, name: string): string;
  decide(action: Action, obj: T, opts: RequestOptions, now: Date): Decision;
}
